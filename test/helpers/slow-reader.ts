/**
 * Runs the built CLI with its stdout on a real pipe (64 KiB, as in a shell) whose reader is slower than fanout:
 * it takes 1 KiB at a time with a timer turn between reads. What the reader gets is passed on unchanged.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, type CliResult } from './cli.js';

const READER = `
const input = process.stdin;
const step = () => {
  const chunk = input.read(1024) ?? input.read();
  if (chunk === null) return input.once('readable', step);
  process.stdout.write(chunk);
  setTimeout(step, 1);
};
input.once('readable', step);
`;

export function runIntoSlowReader(args: string[]): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fanout slow reader '));
  const errFile = join(dir, 'stderr');
  const codeFile = join(dir, 'code');
  // A pipeline's status is its reader's: fanout's own goes to a file, and so does its stderr.
  const script = '{ "$0" "$@" 2>"$ERR_FILE"; echo $? >"$CODE_FILE"; } | "$0" -e "$READER"';
  const child = spawn('sh', ['-c', script, process.execPath, BIN, ...args], {
    env: { ...process.env, READER, ERR_FILE: errFile, CODE_FILE: codeFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  return new Promise((resolve) =>
    child.on('close', () => {
      const code = Number(readFileSync(codeFile, 'utf8'));
      const stderr = readFileSync(errFile, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal: null, stdout, stderr });
    }),
  );
}
