/**
 * The `fanout worker URL` processes compare starts for a cluster strategy: fresh for every run like the job
 * itself, started and stopped outside the timed window, their CPU over the window read from /proc so that the
 * cluster's whole cost is compared (Redis's own is not: it is the user's server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FanoutError } from '../engine/errors.js';
import { TreeRssSampler } from './proc-tree.js';

export interface LocalWorkers {
  /** User and system CPU the workers used so far, from /proc (zeros where it cannot be read). */
  cpu(): { userMs: number; systemMs: number };
  /** Starts sampling their memory; the sum of their peaks is an upper bound of their peak together. */
  sampleRss(intervalMs: number): { stop(): number };
  /** SIGTERM: they finish what they hold and leave; resolves once every one has exited. */
  stop(): Promise<void>;
}

/** Printed by a worker once it serves (see cli/commands/worker.ts). */
const READY = /waiting for runs/;
const START_TIMEOUT_MS = 60_000;
const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s on every Linux

/** Starts `command ...args worker url ...workerArgs` `count` times; resolves once every one serves. */
export async function startLocalWorkers(command: string, args: readonly string[], url: string, count: number, env?: NodeJS.ProcessEnv, workerArgs: readonly string[] = []): Promise<LocalWorkers> {
  const children: ChildProcess[] = [];
  const stop = () => Promise.all(children.map(end)).then(() => {});
  try {
    await Promise.all(Array.from({ length: count }, () => {
      const child = spawn(command, [...args, 'worker', url, ...workerArgs], { env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      return ready(child);
    }));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    cpu() {
      let ticks = [0, 0];
      for (const c of children) {
        const t = cpuTicks(c.pid!);
        ticks = [ticks[0]! + t[0]!, ticks[1]! + t[1]!];
      }
      return { userMs: ticks[0]! * TICK_MS, systemMs: ticks[1]! * TICK_MS };
    },
    sampleRss(intervalMs) {
      const samplers = children.map((c) => new TreeRssSampler(c.pid!, intervalMs).start());
      return {
        stop() {
          for (const s of samplers) s.stop();
          return samplers.reduce((sum, s) => sum + s.peakBytes, 0);
        },
      };
    },
    stop,
  };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(`it did not say it was serving within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new FanoutError('CLUSTER_WORKERS', `cannot start a local 'fanout worker': ${why}`));
    };
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      text = (text + chunk).slice(-4000);
      if (READY.test(text)) {
        clearTimeout(timer);
        text = '';
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        child.removeAllListeners('exit');
        resolve();
      }
    });
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`it exited with ${signal ?? `code ${code}`}${text.trim() ? `: ${text.trim().split('\n').at(-1)}` : ''}`));
  });
}

function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** utime and stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): [number, number] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[11]), Number(fields[12])];
  } catch {
    return [0, 0];
  }
}
