import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { alive } from '../../src/util/process-alive.js';
import { zombie } from '../helpers/zombie.js';

describe('alive', () => {
  it('takes this process and its parent for alive, and an exited, reaped one for gone', () => {
    expect(alive(process.pid)).toBe(true);
    expect(alive(process.ppid)).toBe(true);
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    expect(alive(dead)).toBe(false);
  });

  it('takes a zombie (exited, never reaped) for gone: it can never write again, so its temps are over', async () => {
    const z = await zombie();
    try {
      expect(alive(z.pid)).toBe(false);
    } finally {
      z.release();
    }
  });

  it('keeps what is no pid fanout wrote (0, negative, not a whole number) as alive: such a temp is never removed', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) expect(alive(pid)).toBe(true);
  });
});
