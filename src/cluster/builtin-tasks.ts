/**
 * The tasks a worker runs without being told where they live: fanout's own. Anything else must be a module
 * named on the worker's own command line (`fanout worker URL --task ./my-task.js`), never a path from Redis.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskModule } from '../jobs/tasks.js';
import type { TaskRef } from './wire.js';

export const BUILTIN_TASKS = { scrape: taskModule('scrape'), copy: taskModule('copy') } as const;

function filePath(module: string): string {
  return module.startsWith('file:') ? fileURLToPath(module) : resolve(module);
}

/** How the coordinator names its task module in the manifest. */
export function taskRef(module: string): TaskRef {
  const path = filePath(module);
  for (const name of ['scrape', 'copy'] as const) if (path === BUILTIN_TASKS[name]) return { name };
  return { name: 'module', file: basename(path), sha256: sha256(path) };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A task as said in messages: `scrape`, `copy`, or `my-task.js (sha256 1a2b3c4d)`. */
export function describeTask(t: TaskRef): string {
  return t.name === 'module' ? `${t.file} (sha256 ${t.sha256.slice(0, 8)})` : t.name;
}
