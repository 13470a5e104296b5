/**
 * A zombie: a process that exited and that its parent never reaped, so that its pid still answers kill(pid, 0).
 * What a killed worker process becomes when its parent died first and the reaper of orphans (PID 1 of a container
 * without an init) does not wait for it. Made with a shell whose child exits once the shell has exec'd into a sleep
 * that never waits; `release()` ends the sleep, and its zombie goes to the reaper.
 */
import { spawn } from 'node:child_process';
import { processState as state } from '../../src/util/process-alive.js';

export interface Zombie {
  pid: number;
  release(): void;
}

export async function zombie(): Promise<Zombie> {
  // The child exits only once the shell has become `sleep`: a shell still running could reap it first.
  const script = 'p=$$; (while read -r c < /proc/$p/comm && [ "$c" != sleep ]; do :; done; exit 0) & echo $!; exec sleep 60';
  const parent = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout!.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
    parent.once('error', reject);
  });
  for (const deadline = Date.now() + 10_000; state(pid) !== 'Z'; await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not become a zombie`);
  }
  return { pid, release: () => parent.kill('SIGKILL') };
}
