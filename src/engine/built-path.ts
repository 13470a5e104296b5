/**
 * Worker entry files must be JavaScript at run time. When fanout itself runs from TypeScript sources (vitest
 * transpiles them in-process), map a sibling module to its compiled twin under dist/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, sep } from 'node:path';

export function builtPath(metaUrl: string, relative: string): string {
  const direct = fileURLToPath(new URL(relative, metaUrl));
  if (existsSync(direct) || !metaUrl.endsWith('.ts')) return direct;
  const marker = `${sep}src${sep}`;
  const at = direct.lastIndexOf(marker);
  if (at < 0) return direct;
  return join(direct.slice(0, at), 'dist', 'src', direct.slice(at + marker.length));
}
