import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Two test files at once even on 2 cores, where vitest's default (cores - 1) runs one: a file spends most of its
    // time waiting on child processes, servers, Redis and timers, which a second file fills (docs/design.md, Tests).
    // Each file still has a process of its own (the forks pool). `--maxWorkers=1` runs them one at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
