/** Runs the built CLI (bin/fanout.js) as a user would, capturing its output and exit code. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/fanout.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A temp folder (its name with a space) holding `src/a.txt`, the smallest tree a copy can run on, made before the
 * file's tests and removed after them; `dir()` is its path.
 */
export function smallCopyTree(name: string): () => string {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `fanout ${name} `));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/**
 * Environment that preloads a built fixture (fixtures/NAME.ts) into the CLI with `--import`, as a test seam: it
 * installs itself on load. Worker threads and child processes read NODE_OPTIONS too, and load it as well.
 */
export function preloading(fixture: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const url = new URL(`../../dist/fixtures/${fixture}.js`, import.meta.url).href;
  return { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${url}`.trim() };
}

export function startCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Records without fields that legitimately differ between runs (timings). */
export function stable<T extends { ms?: number }>(records: T[]): Omit<T, 'ms'>[] {
  return records.map(({ ms: _ms, ...rest }) => rest);
}

export function parseJsonl<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/**
 * Runs the CLI with descriptors of the test's choosing as its stdin and stdout (a file opened for reading, for
 * appending…); 'pipe' captures as runCli does. Descriptors are the caller's to close.
 */
export function runCliOn(args: string[], stdin: number | 'pipe', stdout: number | 'pipe'): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: [stdin, stdout, 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdin?.end();
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
}

/** Lines of a file written so far (0 before it exists), a torn last line not counted. */
export function lineCount(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

/** Writes `lines` as a URL list named `name` in `dir`; returns its path. */
export async function writeList(dir: string, name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}
