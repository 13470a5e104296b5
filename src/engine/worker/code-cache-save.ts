/**
 * Saving the worker bundle's code cache (cached-boot.ts). Set by src/cli/script-cache.ts when this code runs
 * from a bundle whose cache entry is missing or unusable; elsewhere (a cache hit, the compiled tree) a no-op.
 */
declare const FANOUT_SAVE_CODE_CACHE: (() => void) | undefined;

/** Writes the cache entry once, with every function this worker has compiled so far; never throws. */
export const saveCodeCache: () => void = typeof FANOUT_SAVE_CODE_CACHE === 'function' ? FANOUT_SAVE_CODE_CACHE : () => {};
