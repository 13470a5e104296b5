/** A worker still loading its task module when it is closed (a pre-started worker a short run never needed). */
import { describe, expect, it } from 'vitest';
import { processChannel } from '../../../src/engine/runtimes/process-channel.js';
import { threadChannel } from '../../../src/engine/runtimes/thread-channel.js';
import { builtFixture } from '../support.js';

const GRACE_MS = 60_000;

describe.each([
  ['a worker thread', threadChannel],
  ['a worker process', processChannel],
] as const)('%s', (_name, open) => {
  it('that is still loading and was asked nothing is ended at once, not after the grace period', async () => {
    const channel = open();
    channel.send({ t: 'preload', module: builtFixture('tasks/never-loads-task.js') });
    const started = performance.now();
    await channel.terminate(GRACE_MS);
    // Before, it waited for a 'closed' answer that a worker stuck in its import never sends: the whole grace.
    expect(performance.now() - started).toBeLessThan(GRACE_MS / 4);
  }, GRACE_MS * 2);
});
