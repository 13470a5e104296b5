/**
 * Test helpers for the record of clean folders: see each folder a copy lists (fs.readdirSync wrapped, and Node's ES
 * module bindings of node:fs synced to it), and make the temp a killed run leaves.
 */
import { spawnSync } from 'node:child_process';
import fs, { writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';

/** Runs `work` with every fs.readdirSync of this process shown to `onList` (its path and the names it returned). */
export async function withListingHook<T>(onList: (path: string, names: unknown[]) => void, work: () => Promise<T>): Promise<T> {
  const real = fs.readdirSync;
  fs.readdirSync = ((...args: Parameters<typeof real>) => {
    const names = real(...args);
    onList(String(args[0]), names as unknown[]);
    return names;
  }) as typeof real;
  syncBuiltinESMExports();
  try {
    return await work();
  } finally {
    fs.readdirSync = real;
    syncBuiltinESMExports();
  }
}

/** A temp as a killed run leaves it in `dir` (its writer's pid is gone); returns its name. */
export function deadTemp(dir: string): string {
  const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const name = `.fanout-tmp-${pid.toString(36)}.1.2.3-one.txt`;
  writeFileSync(join(dir, name), 'half a file');
  return name;
}
