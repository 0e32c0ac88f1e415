#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): what the suite needs that npm does not install.
# - Debian's Chromium for the browser journeys (never a browser download by a test tool);
# - the embedded FerretDB is built by the test setup itself (scripts/build-ferretdb.sh, cached).
set -euo pipefail

if [[ ! -x /usr/bin/chromium ]]; then
  echo "test prerequisites: installing Debian's chromium (browser journeys)" >&2
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
