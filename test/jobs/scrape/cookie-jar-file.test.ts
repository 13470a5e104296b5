/**
 * --cookie-jar and -b FILE under attack, end to end through the CLI: a jar that is a pipe, a device or a symlink, a
 * run killed (SIGKILL) while it writes its jar, a jar and an -o that both fail, -b naming a device or a pipe whose
 * writer never comes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCookieSite, type CookieSite } from '../../../fixtures/cookie-site.js';
import { BIN, parseJsonl, preloading, runCli, startCli, writeList } from '../../helpers/cli.js';
import { needsRoot, skipUnless } from '../../helpers/needs.js';
import { canMountTmpfs } from '../copy/scratch.js';

let site: CookieSite;
let dir: string;
let n = 0;

beforeAll(async () => {
  site = await startCookieSite();
  dir = await mkdtemp(join(tmpdir(), 'fanout cookie jar file '));
});
afterAll(async () => {
  await site.close();
  await rm(dir, { recursive: true, force: true });
});

const MODES = [[], ['--threads', '2'], ['--procs', '2']];

/** A fresh folder for one case. */
function caseDir(): string {
  const d = join(dir, `case ${++n}`);
  mkdirSync(d);
  return d;
}

/** The cookie lines of a jar file (its comments left out). */
const cookieLines = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('# '));

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Reads a FIFO until every writer has closed it. The test holds a writing end of its own until `release()`, so
 * that the pipe does not read as ended before the CLI opens it.
 */
function readFifo(path: string): { text: Promise<string>; release(): void } {
  const reader = new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  const keep = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  let text = '';
  reader.setEncoding('utf8').on('data', (d: string) => (text += d));
  return {
    text: new Promise((resolve, reject) => {
      reader.on('end', () => resolve(text));
      reader.on('error', reject);
    }),
    release: () => closeSync(keep),
  };
}

/** Whether `pid` holds `path` open (a descriptor of /proc/PID/fd links to it). */
function holdsOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

describe('--cookie-jar that is not a plain file', () => {
  it('writes into a jar that is a pipe (>(…)) and leaves it a pipe, in every mode; a pipe nobody reads fails the jar, no wait', async () => {
    const d = caseDir();
    const list = await writeList(d, 'list.txt', [`${site.url}/login`]);
    for (const mode of MODES) {
      const fifo = join(d, `jar ${mode.join('')}`);
      execFileSync('mkfifo', [fifo]);
      const reader = readFifo(fifo);
      const r = await runCli(['scrape', list, '--cookie-jar', fifo, '-q', ...mode]);
      reader.release();
      expect(r.stderr, mode.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(cookieLines(await reader.text)).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
      expect(lstatSync(fifo).isFIFO(), 'still a pipe').toBe(true);
    }
    const unread = join(d, 'unread');
    execFileSync('mkfifo', [unread]);
    const r = await runCli(['scrape', list, '--cookie-jar', unread, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*unread: cannot write it: .*\n$/);
    expect(parseJsonl(r.stdout)).toHaveLength(1); // the records were written
    expect(lstatSync(unread).isFIFO()).toBe(true);
  });

  it('writes into a jar that is a device, as curl -c /dev/null does, and never replaces the device with a file', async (ctx) => {
    needsRoot(ctx, 'mknod, to make a /dev/null of the test\'s own');
    const d = caseDir();
    const devNull = join(d, 'null');
    execFileSync('mknod', ['-m', '666', devNull, 'c', '1', '3']);
    const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '--cookie-jar', devNull, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = statSync(devNull);
    expect(s.isCharacterDevice(), 'still the device').toBe(true);
    expect(s.rdev).toBe(statSync('/dev/null').rdev);
    expect(readdirSync(d).sort()).toEqual(['list.txt', 'null']); // no temp left beside it
  });

  it('follows a jar that is a symlink, as -o does: the link stays a link and its target holds the jar', async () => {
    const d = caseDir();
    mkdirSync(join(d, 'real'));
    writeFileSync(join(d, 'real', 'jar.txt'), '# old\n');
    symlinkSync('real/jar.txt', join(d, 'jar link'));
    const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '--cookie-jar', join(d, 'jar link'), '-q']);
    expect(r.code).toBe(0);
    expect(lstatSync(join(d, 'jar link')).isSymbolicLink()).toBe(true);
    expect(cookieLines(readFileSync(join(d, 'real', 'jar.txt'), 'utf8'))).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
  });
});

describe('--cookie-jar when the run is killed or its output fails', () => {
  it('keeps the old jar whole when killed (SIGKILL) while writing the new one, in every mode; the re-run writes it and removes the dead run\'s temp', async () => {
    for (const mode of MODES) {
      const d = caseDir();
      const jar = join(d, 'jar.txt');
      const old = '# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1\n';
      writeFileSync(jar, old);
      const list = await writeList(d, 'list.txt', [`${site.url}/login`, `${site.url}/page`]);
      const out = join(d, 'out.jsonl');
      const hold = join(dir, `hold ${n}`);
      const run = startCli(['scrape', list, '-o', out, '-b', jar, '--cookie-jar', jar, '-q', ...mode], { env: preloading('jar-hold', { JAR_HOLD_FILE: hold }) });
      await until('the jar to be written', () => existsSync(`${hold}.held`));
      run.child.kill('SIGKILL');
      await run.done;
      expect(readFileSync(jar, 'utf8'), mode.join(' ')).toBe(old);
      expect(readdirSync(d).filter((f) => f.endsWith('.tmp'))).toHaveLength(1); // the new jar, whole, in the dead run's temp
      expect(parseJsonl(readFileSync(out, 'utf8'))).toHaveLength(2); // records go before the jar

      const again = await runCli(['scrape', list, '-o', out, '-b', jar, '--cookie-jar', jar, '-q', ...mode]);
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      expect(cookieLines(readFileSync(jar, 'utf8')).sort()).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\told\t1', '127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
      expect(readdirSync(d).sort(), 'no temp left').toEqual(['jar.txt', 'list.txt', 'out.jsonl']);
    }
  });

  it('still writes the jar when -o fails (a full disk), and exits 2 on the -o failure', async (ctx) => {
    if (!existsSync('/dev/full')) return ctx.skip('needs /dev/full');
    const d = caseDir();
    const jar = join(d, 'jar.txt');
    const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '-o', '/dev/full', '--cookie-jar', jar, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: NO_SPACE: cannot write \/dev\/full: .*\n$/);
    expect(cookieLines(readFileSync(jar, 'utf8'))).toEqual(['127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc']);
  });

  it('keeps the old jar whole on a full disk (a small tmpfs): COOKIE_JAR_FAILED, exit 2, no temp left, the records written', async (ctx) => {
    skipUnless(ctx, canMountTmpfs(), 'needs root allowed to mount a tmpfs');
    const d = caseDir();
    const disk = join(d, 'small disk');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    try {
      const jar = join(disk, 'jar.txt');
      writeFileSync(jar, 'old jar\n');
      try {
        writeFileSync(join(disk, 'filler'), Buffer.alloc(1 << 20));
      } catch {
        // full: what this test wants
      }
      const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '--cookie-jar', jar, '-q']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*jar.txt: cannot write it: no space left on device\n$/);
      expect(parseJsonl(r.stdout)).toHaveLength(1);
      expect(readFileSync(jar, 'utf8')).toBe('old jar\n');
      expect(readdirSync(disk).sort()).toEqual(['filler', 'jar.txt']);
    } finally {
      execFileSync('umount', ['-l', disk]);
    }
  });

  it('says both when -o and then the jar fail, one line each, and the first decides the exit code', async (ctx) => {
    if (!existsSync('/dev/full')) return ctx.skip('needs /dev/full');
    const d = caseDir();
    const unread = join(d, 'unread jar');
    execFileSync('mkfifo', [unread]);
    for (const mode of MODES) {
      const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '-o', '/dev/full', '--cookie-jar', unread, '-q', ...mode]);
      expect(r.code, mode.join(' ')).toBe(2);
      const lines = r.stderr.split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^fanout: NO_SPACE: cannot write \/dev\/full: /);
      expect(lines[1]).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*unread jar: cannot write it: /);
    }
  });
});

describe('--cookie-jar when stdout\'s reader leaves', () => {
  it('ends 141 as the reader\'s leaving decides, and still says the jar failed', async () => {
    const d = caseDir();
    const unread = join(d, 'unread jar');
    execFileSync('mkfifo', [unread]);
    const list = await writeList(d, 'list.txt', Array.from({ length: 300 }, (_, i) => `${site.url}/page/${i}`));
    const child = spawn(process.execPath, [BIN, 'scrape', list, '--cookie-jar', unread, '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (x: string) => (stderr += x));
    child.stdout!.once('data', () => child.stdout!.destroy()); // `| head -1`
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(141);
    expect(stderr).toMatch(/^fanout: COOKIE_JAR_FAILED: --cookie-jar .*unread jar: cannot write it: .*\n$/);
  });
});

describe('-b FILE that never ends', () => {
  it('refuses -b naming a device (/dev/zero has no end) with one line, exit 2, nothing fetched', async () => {
    const d = caseDir();
    const r = await runCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '-b', '/dev/zero', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: -b \/dev\/zero: cannot read it: .*\n$/);
    expect(r.stdout).toBe('');
  });

  it('stops at Ctrl-C while -b is a pipe whose writer never comes: exit 130, the -o file and the jar untouched', async () => {
    const d = caseDir();
    const fifo = join(d, 'cookies pipe');
    execFileSync('mkfifo', [fifo]);
    const out = join(d, 'out.jsonl');
    const jar = join(d, 'jar.txt');
    writeFileSync(out, 'kept\n');
    writeFileSync(jar, 'kept jar\n');
    const run = startCli(['scrape', await writeList(d, 'list.txt', [`${site.url}/login`]), '-o', out, '-b', fifo, '--cookie-jar', jar, '-q']);
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 30_000); // a safety net: a hang fails the test
    await until('the CLI to wait on the pipe', () => holdsOpen(run.child.pid!, fifo)).catch((err: unknown) => {
      run.child.kill('SIGKILL');
      throw err;
    });
    run.child.kill('SIGINT');
    const r = await run.done;
    clearTimeout(killer);
    expect(r.signal).toBe(null);
    expect(r.code).toBe(130);
    expect(readFileSync(out, 'utf8')).toBe('kept\n');
    expect(readFileSync(jar, 'utf8')).toBe('kept jar\n');
  });
});
