/**
 * Task modules this process already holds in its own code: the CLI's bundle carries its jobs' task modules, and
 * a task that runs in the CLI's own process (async) must take that copy rather than load the same code again
 * from another file (twice the start-up, two copies of undici and of the error classes). Workers hold none and
 * load their module by URL.
 */
import { moduleUrl } from '../protocol.js';

const held = new Map<string, () => Promise<unknown>>();

/**
 * Set by src/cli/script-cache.ts for the CLI's bundle: on Node 20 code run from V8's code cache loses import()
 * (it throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the loader lends its own. Elsewhere undefined.
 */
declare const FANOUT_IMPORT: ((url: string) => Promise<unknown>) | undefined;
const importUrl = typeof FANOUT_IMPORT === 'function' ? FANOUT_IMPORT : (url: string) => import(url);

/** Says that `module` (a path or file URL) is the module `load` returns. */
export function holdModule(module: string, load: () => Promise<unknown>): void {
  held.set(moduleUrl(module), load);
}

/** The task module `module` names: the held copy when there is one, else what import() loads. */
export function importTaskModule(module: string): Promise<unknown> {
  const url = moduleUrl(module);
  return held.get(url)?.() ?? importUrl(url);
}
