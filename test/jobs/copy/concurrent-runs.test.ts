/**
 * Two copies writing into the same DST at once: a tree copy's sweep of leftover temps removes only those whose
 * writer is gone, never another live run's temp in flight (end to end through the CLI: needs `npm run build` first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { preloading } from '../../helpers/cli.js';
import { scratch, type Scratch } from './scratch.js';
import { tempNames } from './snapshot.js';

const BIN = process.env.FANOUT_BIN ?? fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));
const BIG = 4 * 1024 * 1024;

let area: Scratch;
let n = 0;
beforeAll(() => {
  area = scratch('fanout concurrent runs ', '64m');
});
afterAll(() => area.remove());

/** A real process that stays alive until killed. */
async function liveProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e3)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

describe('a tree copy into a folder holding temps', () => {
  it('keeps a temp whose writer process is alive and sweeps one whose writer has exited', async () => {
    const base = `${area.dir}/sweep-${n++}`;
    mkdirSync(`${base}/src/sub`, { recursive: true });
    mkdirSync(`${base}/dst/sub`, { recursive: true });
    writeFileSync(`${base}/src/sub/a.txt`, 'a');
    const live = await liveProcess();
    try {
      const dead = await deadPid();
      const liveTemp = `.fanout-tmp-${live.pid!.toString(36)}.0.1a2.3-a.txt`;
      const deadTemp = `.fanout-tmp-${dead.toString(36)}.0.1a2.4-b.txt`;
      for (const name of [liveTemp, deadTemp]) {
        writeFileSync(`${base}/dst/${name}`, 'partial');
        writeFileSync(`${base}/dst/sub/${name}`, 'partial');
      }
      const s = await copy({ src: `${base}/src`, dst: `${base}/dst` });
      expect(s.failed).toBe(0);
      expect(readdirSync(`${base}/dst`).sort()).toEqual([liveTemp, 'sub'].sort());
      expect(readdirSync(`${base}/dst/sub`).sort()).toEqual([liveTemp, 'a.txt'].sort());
    } finally {
      live.kill();
    }
  });
});

interface Run {
  child: ChildProcess;
  out: Promise<string>;
  exit: Promise<number | null>;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: exit.then(() => out), exit };
}

/** The failed records in a --log file. */
function failures(log: string): string[] {
  return readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"ok":false'));
}

/** Polls until `path` exists (a safety net of a minute). */
async function appears(path: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('two fanout copy runs into the same DST', () => {
  it('both finish with every file correct and no failed record when their trees overlap', async () => {
    const base = `${area.dir}/runs-${n++}`;
    mkdirSync(`${base}/a/shared`, { recursive: true });
    mkdirSync(`${base}/b/shared`, { recursive: true });
    const big = Buffer.alloc(BIG, 0x5a);
    writeFileSync(`${base}/a/shared/big.bin`, big);
    for (let i = 0; i < 20; i++) {
      writeFileSync(`${base}/a/shared/both-${i}.txt`, `both ${i}`); // the overlap: both runs write these
      writeFileSync(`${base}/b/shared/both-${i}.txt`, `both ${i}`);
      writeFileSync(`${base}/a/shared/a-${i}.txt`, `a ${i}`);
      writeFileSync(`${base}/b/shared/b-${i}.txt`, `b ${i}`);
    }
    const logA = `${base}/a.log`;
    const logB = `${base}/b.log`;
    // Run A holds (alive) with its temp of big.bin created in DST/shared, until the test lets it go on.
    const hold = `${base}/hold`;
    const a = start(['copy', `${base}/a`, `${base}/dst`, '--log', logA], preloading('temp-hold', { TEMP_HOLD_FILE: hold, TEMP_HOLD_NAME: 'big.bin' }));
    try {
      await Promise.race([appears(`${hold}.held`), a.exit.then(() => Promise.reject(new Error('run A ended before its hold')))]);
      expect(tempNames(`${base}/dst/shared`)).toHaveLength(1);
      const b = start(['copy', `${base}/b`, `${base}/dst`, '--log', logB]);
      const codeB = await b.exit;
      expect(await b.out).toMatch(/ 0 failed;/);
      expect(codeB).toBe(0);
    } finally {
      writeFileSync(hold, '');
    }
    const codeA = await a.exit;
    expect(await a.out).toMatch(/ 0 failed;/);
    expect(codeA).toBe(0);
    expect(failures(logA)).toEqual([]);
    expect(failures(logB)).toEqual([]);
    expect(readFileSync(`${base}/dst/shared/big.bin`).equals(big)).toBe(true);
    for (let i = 0; i < 20; i++) {
      expect(readFileSync(`${base}/dst/shared/both-${i}.txt`, 'utf8')).toBe(`both ${i}`);
      expect(readFileSync(`${base}/dst/shared/a-${i}.txt`, 'utf8')).toBe(`a ${i}`);
      expect(readFileSync(`${base}/dst/shared/b-${i}.txt`, 'utf8')).toBe(`b ${i}`);
    }
    expect(tempNames(`${base}/dst`)).toEqual([]);
    expect(existsSync(`${base}/dst/shared/big.bin`)).toBe(true);
  }, 120_000);
});
