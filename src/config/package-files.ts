import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folder (where package.json, views/ and public/ are), found by walking up from
 * this file: the sources run from src/config/, the built package from dist/src/config/.
 */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'patient-idp')
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('patient-idp: package.json not found above its sources');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();

/** A file shipped with the package (views/…, public/…, package.json, scripts/…). */
export function packageFile(...segments: string[]): string {
  return path.join(PACKAGE_ROOT, ...segments);
}

export const PACKAGE_VERSION = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
