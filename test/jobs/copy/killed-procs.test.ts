/**
 * `fanout copy --procs` when a process of the run is killed with SIGKILL (end to end through the CLI: needs
 * `npx tsc -p .` first). Worker pids are found as children of the CLI process in /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree } from '../../../src/compare/proc-tree.js';
import { isTempName } from '../../../src/jobs/copy/temp.js';
import { largeFiles, smallFiles } from '../../../fixtures/tree.js';
import { scratch, type Scratch } from './scratch.js';
import { expectSameTree, tempNames } from './snapshot.js';

const BIN = process.env.FANOUT_BIN ?? fileURLToPath(new URL('../../../bin/fanout.js', import.meta.url));
const linux = process.platform === 'linux';
let area: Scratch;
let n = 0;

beforeAll(() => {
  area = scratch('fanout killed procs-', '700m');
});
afterAll(() => area.remove());

interface Run {
  child: ChildProcess;
  /** Everything the CLI and its workers wrote to stderr, once every one of them has closed it. */
  stderr: Promise<string>;
  exit: Promise<number | null>;
}

function start(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return {
    child,
    stderr: new Promise((resolve) => child.stderr!.on('end', () => resolve(err))),
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Running: not gone, not a zombie waiting for its parent to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Signals a process that may have ended meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function workersOf(pid: number): number[] {
  return processTree(pid).filter((p) => p !== pid);
}

/** Whether the process has a temp file open (the one it is writing). */
function holdsTemp(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return isTempName(basename(readlinkSync(`/proc/${pid}/fd/${fd}`)));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Files under root (temps included), and whether one is a temp; a directory not made yet counts as empty. */
function files(root: string): { count: number; temp: boolean } {
  const out = { count: 0, temp: false };
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) visit(`${dir}/${e.name}`);
      else {
        out.count++;
        if (isTempName(e.name)) out.temp = true;
      }
    }
  };
  visit(root);
  return out;
}

const countFiles = (root: string) => files(root).count;

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await turn();
  }
}

describe.skipIf(!linux)('fanout copy --procs, when a process is killed', () => {
  it('removes the temp file of a worker killed mid-file: the run and its re-run end with no temp and an identical tree', async () => {
    const src = `${area.dir}/big-src`;
    for (let d = 0; d < 3; d++) largeFiles(`${src}/d${d}`, 3, 16 << 20);
    let killed = false;
    for (let attempt = 0; attempt < 5 && !killed; attempt++) {
      const dst = `${area.dir}/big-dst-${n++}`;
      const run = start(['copy', src, dst, '--procs', '2', '-q', '--no-progress']);
      let done = false;
      void run.exit.then(() => (done = true));
      while (!done && !killed) {
        if (files(dst).temp) {
          // Freeze the workers, so the one writing a temp is still writing it when it is killed.
          const workers = workersOf(run.child.pid!);
          for (const w of workers) signal(w, 'SIGSTOP');
          const holder = workers.find(holdsTemp);
          if (holder) {
            signal(holder, 'SIGKILL');
            killed = true;
          }
          for (const w of workers) if (w !== holder) signal(w, 'SIGCONT');
        }
        await turn();
      }
      expect(await run.exit).toBe(0);
      if (!killed) {
        rmSync(dst, { recursive: true, force: true }); // every file was done before a temp was seen: try again
        continue;
      }
      expect(tempNames(dst)).toEqual([]);
      expectSameTree(src, dst, { atime: false });
      const again = start(['copy', src, dst, '--procs', '2', '-q', '--no-progress']);
      expect(await again.exit).toBe(0);
      expect(tempNames(dst)).toEqual([]);
      expectSameTree(src, dst, { atime: false });
    }
    expect(killed, 'a worker was caught writing a temp').toBe(true);
  });

  it("gives a folder its SRC times when the worker that wrote in it died later in the same item (the retry finds it done)", async () => {
    const src = `${area.dir}/meta-src`;
    mkdirSync(`${src}/a`, { recursive: true });
    mkdirSync(`${src}/b`, { recursive: true });
    writeFileSync(`${src}/a/old`, 'old\n');
    const old = new Date('2001-02-03T04:05:06Z');
    let killed = false;
    for (let attempt = 0; attempt < 5 && !killed; attempt++) {
      const dst = `${area.dir}/meta-dst-${n++}`;
      utimesSync(`${src}/a`, old, old);
      expect(await start(['copy', src, dst, '-q', '--no-progress']).exit).toBe(0);
      // a and b go in one item: a's new file is written, then the worker dies copying b's large files. a's own
      // times are SRC's already: its record is a skip, and only its new file's write moves its mtime.
      writeFileSync(`${src}/a/new`, 'new\n');
      utimesSync(`${src}/a`, old, old);
      largeFiles(`${src}/b`, 3, 32 << 20);
      const run = start(['copy', src, dst, '--procs', '1', '-q', '--no-progress']);
      let done = false;
      void run.exit.then(() => (done = true));
      while (!done && !killed) {
        if (files(`${dst}/b`).temp) {
          const holder = workersOf(run.child.pid!).find(holdsTemp);
          if (holder) {
            signal(holder, 'SIGKILL');
            killed = true;
          }
        }
        await turn();
      }
      expect(await run.exit).toBe(0);
      if (killed) expect(statSync(`${dst}/a`).mtimeMs).toBe(statSync(`${src}/a`).mtimeMs);
      rmSync(`${src}/a/new`);
      rmSync(`${src}/b`, { recursive: true });
      mkdirSync(`${src}/b`);
    }
    expect(killed, 'a worker was caught writing a temp').toBe(true);
  });

  it('stops the workers of a killed coordinator at once and without a word, before their batch ends', async () => {
    const src = `${area.dir}/small-src`;
    smallFiles(src, 4000);
    const dst = `${area.dir}/small-dst-${n++}`;
    const run = start(['copy', src, dst, '--procs', '2', '-q', '--no-progress']);
    await until('the copy to be under way', () => countFiles(dst) >= 100);
    const workers = workersOf(run.child.pid!);
    expect(workers).toHaveLength(2);
    // Frozen mid-batch while the coordinator dies: once resumed, a worker must notice before its next entry.
    for (const w of workers) process.kill(w, 'SIGSTOP');
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exit;
    const atKill = countFiles(dst);
    for (const w of workers) process.kill(w, 'SIGCONT');
    await until('the workers to end', () => !workers.some(running), 10_000);
    const written = countFiles(dst) - atKill;
    expect(written, 'entries written after the coordinator died').toBeLessThanOrEqual(workers.length);
    expect(await run.stderr).toBe('');
    // A re-run completes the copy.
    const again = start(['copy', src, dst, '--procs', '2', '-q', '--no-progress']);
    expect(await again.exit).toBe(0);
    expect(tempNames(dst)).toEqual([]);
    expectSameTree(src, dst, { atime: false });
  });

  it('leaves no process behind when the coordinator of a threads run is killed', async () => {
    const src = `${area.dir}/small-src-threads`;
    smallFiles(src, 2000);
    const dst = `${area.dir}/small-dst-${n++}`;
    const run = start(['copy', src, dst, '--threads', '2', '-q', '--no-progress']);
    await until('the copy to be under way', () => countFiles(dst) >= 100);
    const tree = processTree(run.child.pid!);
    process.kill(run.child.pid!, 'SIGKILL');
    await run.exit;
    await until('every process of the run to end', () => !tree.some(running), 10_000);
    expect(await run.stderr).toBe('');
  });
});
