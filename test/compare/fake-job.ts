/** Where the built fake job lives, and a runner configuration that points at it. */
import { fileURLToPath } from 'node:url';

/** fixtures/fake-job.ts, compiled: child processes need JavaScript (build first: npx tsc -p .). */
export const FAKE_JOB = fileURLToPath(new URL('../../dist/fixtures/fake-job.js', import.meta.url));

export const fakeJob = (...args: string[]) => ({ command: process.execPath, args: [FAKE_JOB, 'fake', ...args] });
