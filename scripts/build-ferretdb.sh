#!/usr/bin/env bash
# Builds the embedded FerretDB program in tools/ferretdb into a content-addressed cache:
#   .cache/ferretdb/<hash>/ferretdb   (hash of tools/ferretdb/{go.mod,go.sum,main.go} + Go version/platform)
#   .cache/ferretdb/current -> <hash>/ferretdb
# Idempotent: an unchanged tree reuses the cached binary and prints nothing but its path.
# The last line of stdout is always the absolute binary path; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/ferretdb"
cache="$root/.cache/ferretdb"

if ! command -v go >/dev/null 2>&1; then
  echo "build-ferretdb: 'go' not found in PATH; install Go >= 1.24 (https://go.dev/dl/) or set FERRETDB_BIN to a prebuilt binary" >&2
  exit 127
fi

for f in go.mod go.sum main.go; do
  [[ -f "$src/$f" ]] || { echo "build-ferretdb: missing $src/$f" >&2; exit 1; }
done

hash_cmd() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi
}

goenv="$(go env GOOS GOARCH | tr '\n' ' ')"
hash="$(
  {
    for f in go.mod go.sum main.go; do
      printf '%s\n' "$f"
      cat "$src/$f"
    done
    printf '%s\n' "$goenv"
  } | hash_cmd | cut -c1-16
)"

out_dir="$cache/$hash"
bin="$out_dir/ferretdb"

if [[ ! -x "$bin" ]]; then
  echo "build-ferretdb: building $bin (first build downloads modules and takes a minute or two)" >&2
  mkdir -p "$out_dir"
  tmp="$out_dir/ferretdb.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  (cd "$src" && GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false" CGO_ENABLED=0 go build -trimpath -o "$tmp" .)
  mv -f "$tmp" "$bin"
  trap - EXIT
  echo "build-ferretdb: built" >&2
fi

# Point .cache/ferretdb/current at this build (relative link, atomic replace).
if [[ "$(readlink "$cache/current" 2>/dev/null || true)" != "$hash/ferretdb" ]]; then
  ln -sfn "$hash/ferretdb" "$cache/current.tmp.$$"
  mv -fT "$cache/current.tmp.$$" "$cache/current" 2>/dev/null || mv -f "$cache/current.tmp.$$" "$cache/current"
fi

echo "$bin"
