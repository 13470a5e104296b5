/** fanout's own package folder and package.json, found from wherever this module was built to (dist/src or the bundle). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageJson {
  name: string;
  version: string;
}

/** The nearest folder above `from` whose package.json is fanout's. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (readOurs(dir)) return dir;
    if (dirname(dir) === dir) throw new Error('fanout package.json not found');
  }
}

export function packageJson(): PackageJson {
  return readOurs(packageRoot())!;
}

function readOurs(dir: string): PackageJson | null {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
    return pkg.name === 'fanout' ? pkg : null;
  } catch {
    return null; // not ours; keep looking
  }
}
