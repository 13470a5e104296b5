import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BodySaver } from '../../../src/jobs/scrape/save.js';
import { prepareSaveDir } from '../../../src/jobs/scrape/save-dir.js';
import { endSaveRun } from '../../../src/jobs/scrape/save-temp.js';
import { canMountTmpfs } from '../copy/scratch.js';
import { NASTY } from '../../../fixtures/nasty-urls.js';
import { skipUnless } from '../../helpers/needs.js';
import { zombie } from '../../helpers/zombie.js';


const canMount = canMountTmpfs();

describe('BodySaver', () => {
  let base: string;
  let root: string;
  let outside: string;
  const savers: BodySaver[] = [];
  const saver = (options = {}) => {
    const s = new BodySaver(root, options);
    savers.push(s);
    return s;
  };
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'fanout save '));
    root = join(base, 'out');
    outside = join(base, 'outside');
    await mkdir(outside);
    await mkdir(root);
  });
  afterEach(async () => {
    for (const s of savers.splice(0)) s.close();
    await rm(base, { recursive: true, force: true });
  });

  /** Every file under `dir` (fanout's temp folder left out), relative, "/" separated. */
  async function allFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/')).sort();
  }

  it('writes the body at its derived path and returns that path, leaving no temp files', async () => {
    const rel = await saver().save('http://h.test/docs/', Buffer.from('hello'));
    expect(rel).toBe('h.test/docs/index.html');
    expect(await readFile(join(root, rel), 'utf8')).toBe('hello');
    expect(await allFiles(root)).toEqual(['h.test/docs/index.html']);
  });

  it('never replaces a file: the same URL saved again, by this saver or a later run, goes to the next free name', async () => {
    const one = saver();
    expect(await one.save('http://h.test/a.html', Buffer.from('one'))).toBe('h.test/a.html');
    expect(await one.save('http://h.test/a.html', Buffer.from('two'))).toBe('h.test/a~2.html');
    one.close();
    expect(await saver().save('http://h.test/a.html', Buffer.from('three'))).toBe('h.test/a~3.html');
    for (const [rel, text] of [['a.html', 'one'], ['a~2.html', 'two'], ['a~3.html', 'three']]) {
      expect(await readFile(join(root, 'h.test', rel!), 'utf8')).toBe(text);
    }
  });

  it('points a URL saved again with the very same bytes at the file that holds them, by this saver or a later run', async () => {
    const one = saver();
    expect(await one.save('http://h.test/a.html', Buffer.from('one'))).toBe('h.test/a.html');
    expect(await one.save('http://h.test/a.html', Buffer.from('two'))).toBe('h.test/a~2.html');
    expect(await one.save('http://h.test/a.html', Buffer.from('two'))).toBe('h.test/a~2.html');
    one.close();
    const later = saver();
    expect(await later.save('http://h.test/a.html', Buffer.from('one'))).toBe('h.test/a.html');
    expect(await later.save('http://h.test/a.html', Buffer.from('on'))).toBe('h.test/a~3.html'); // a prefix is not the same bytes
    expect(await later.save('http://h.test/a.html', Buffer.from('ono'))).toBe('h.test/a~4.html'); // nor is the same size
    const big = Buffer.alloc(200 * 1024, 7); // more than one read's worth, differing in the last byte only
    const bigger = Buffer.from(big);
    bigger[bigger.length - 1] = 8;
    expect(await later.save('http://h.test/big', big)).toBe('h.test/big');
    expect(await later.save('http://h.test/big', bigger)).toBe('h.test/big~2');
    expect(await later.save('http://h.test/big', big)).toBe('h.test/big');
    expect(await allFiles(root)).toEqual(['h.test/a.html', 'h.test/a~2.html', 'h.test/a~3.html', 'h.test/a~4.html', 'h.test/big', 'h.test/big~2']);
  });

  it('saves an empty body anew every time (an empty name may be a claim about to be filled), and the same without hard links', async () => {
    for (const links of [true, false]) {
      const s = saver({ links });
      const url = `http://h.test/empty-${links}`;
      expect(await s.save(url, Buffer.alloc(0))).toBe(`h.test/empty-${links}`);
      expect(await s.save(url, Buffer.alloc(0))).toBe(`h.test/empty-${links}~2`);
    }
  });

  it('never takes a symlink to the same bytes, a FIFO or a folder at the name for the body, and never blocks on the FIFO', async () => {
    await mkdir(join(root, 'h.test'), { recursive: true });
    await writeFile(join(outside, 'same.html'), 'same');
    await symlink(join(outside, 'same.html'), join(root, 'h.test', 'link.html'));
    expect(spawnSync('mkfifo', [join(root, 'h.test', 'pipe.html')]).status).toBe(0);
    await mkdir(join(root, 'h.test', 'dir.html'));
    const s = saver();
    expect(await s.save('http://h.test/dir.html', Buffer.from('same'))).toBe('h.test/dir~2.html');
    expect(await s.save('http://h.test/link.html', Buffer.from('same'))).toBe('h.test/link~2.html');
    expect(await s.save('http://h.test/pipe.html', Buffer.from('same'))).toBe('h.test/pipe~2.html');
    expect(await readFile(join(outside, 'same.html'), 'utf8')).toBe('same');
  });

  it('opens nothing at a taken name but a regular file: a writer waiting on a FIFO there is not let through', async (ctx) => {
    await mkdir(join(root, 'h.test'), { recursive: true });
    const fifo = join(root, 'h.test', 'pipe.html');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // A writer blocks in open(2) until a reader opens the FIFO; /proc/<pid>/wchan names that wait while it lasts.
    const writer = spawn('sh', ['-c', ': > "$1"', 'sh', fifo], { stdio: 'ignore' });
    const exited = once(writer, 'exit');
    const waiting = () => {
      try {
        return readFileSync(`/proc/${writer.pid}/wchan`, 'utf8') === 'wait_for_partner';
      } catch {
        return false;
      }
    };
    try {
      for (const deadline = Date.now() + 10_000; !waiting() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
      skipUnless(ctx, waiting(), 'needs /proc/<pid>/wchan to name the wait for a FIFO reader');
      expect(await saver().save('http://h.test/pipe.html', Buffer.from('same'))).toBe('h.test/pipe~2.html');
      expect(waiting(), 'the writer still waits for a reader').toBe(true);
    } finally {
      writer.kill();
      await exited;
    }
  });

  it('without hard links, points a URL saved again with the same bytes at its file too', async () => {
    const s = saver({ links: false });
    expect(await s.save('http://h.test/a', Buffer.from('1'))).toBe('h.test/a');
    expect(await s.save('http://h.test/a', Buffer.from('1'))).toBe('h.test/a');
    expect(await s.save('http://h.test/a', Buffer.from('2'))).toBe('h.test/a~2');
    expect(await allFiles(root)).toEqual(['h.test/a', 'h.test/a~2']);
  });

  it('keeps two different URLs that derive the same path in separate files', async () => {
    const s = saver();
    const a = await s.save('http://h.test/d/', Buffer.from('dir'));
    const b = await s.save('http://h.test/d/index.html', Buffer.from('file'));
    expect([a, b]).toEqual(['h.test/d/index.html', 'h.test/d/index~2.html']);
    expect(await readFile(join(root, a), 'utf8')).toBe('dir');
    expect(await readFile(join(root, b), 'utf8')).toBe('file');
  });

  it('resolves a file in the way of a folder, and a folder in the way of a file, without losing either', async () => {
    const s = saver();
    const docs = await s.save('http://h.test/docs', Buffer.from('docs'));
    const intro = await s.save('http://h.test/docs/intro', Buffer.from('intro'));
    expect([docs, intro]).toEqual(['h.test/docs', 'h.test/docs~2/intro']);
    const other = saver(); // a second worker that saves in the opposite order
    const guide = await other.save('http://h.test/guide/one', Buffer.from('one'));
    const guideFile = await other.save('http://h.test/guide', Buffer.from('guide'));
    expect([guide, guideFile]).toEqual(['h.test/guide/one', 'h.test/guide~2']);
    expect(await other.save('http://h.test/docs/more', Buffer.from('more'))).toBe('h.test/docs~2/more');
    for (const [rel, text] of [[docs, 'docs'], [intro, 'intro'], [guide, 'one'], [guideFile, 'guide']]) {
      expect(await readFile(join(root, rel!), 'utf8')).toBe(text);
    }
  });

  it('never writes outside DIR for nasty URLs, and never through a symlink planted inside DIR', async () => {
    await mkdir(join(root, 'h.test'), { recursive: true });
    await symlink(outside, join(root, 'h.test', 'evil'));
    await symlink(join(outside, 'target.html'), join(root, 'h.test', 'link.html'));
    const s = saver();
    for (const url of NASTY) {
      const rel = await s.save(url, Buffer.from(url));
      expect(resolve(root, rel).startsWith(root + sep), url).toBe(true);
      expect(await readFile(join(root, rel), 'utf8')).toBe(url);
    }
    // A symlink where a folder must go fails the record; one where the file goes is a taken name.
    await expect(s.save('http://h.test/evil/passwd', Buffer.from('x'))).rejects.toMatchObject({ code: 'SAVE_FAILED', message: expect.stringMatching(/h\.test\/evil is a symlink/) });
    expect(await s.save('http://h.test/link.html', Buffer.from('l'))).toBe('h.test/link~2.html');
    expect(await readdir(outside)).toEqual([]);
  });

  it('fails the record and writes nothing in the victim when a folder under DIR is swapped for a symlink', async () => {
    const victim = join(outside, 'victim');
    await mkdir(victim);
    const first = saver();
    await first.save('http://h.test/sub/one', Buffer.from('one'));
    // Another worker has DIR open (it saved elsewhere), then the folder it is about to use becomes a symlink.
    const s = saver();
    await s.save('http://h.test/other', Buffer.from('other'));
    renameSync(join(root, 'h.test', 'sub'), join(root, 'h.test', 'sub.moved'));
    symlinkSync(victim, join(root, 'h.test', 'sub'));
    await expect(s.save('http://h.test/sub/two', Buffer.from('two'))).rejects.toMatchObject({ code: 'SAVE_FAILED' });
    // The worker that had the folder open: it keeps writing into that folder, wherever it went, never the victim.
    expect(await first.save('http://h.test/sub/three', Buffer.from('three'))).toBe('h.test/sub/three');
    expect(readFileSync(join(root, 'h.test', 'sub.moved', 'three'), 'utf8')).toBe('three');
    // A folder removed outright under an open one: it walks down again, meets the symlink and fails.
    rmSync(join(root, 'h.test', 'sub.moved'), { recursive: true });
    await expect(first.save('http://h.test/sub/four', Buffer.from('four'))).rejects.toMatchObject({ code: 'SAVE_FAILED' });
    expect(readdirSync(victim)).toEqual([]);
  });

  it('saves the same way on a file system without hard links (exclusive create, then rename)', async () => {
    const s = saver({ links: false });
    expect(await s.save('http://h.test/a', Buffer.from('1'))).toBe('h.test/a');
    expect(await s.save('http://h.test/a', Buffer.from('2'))).toBe('h.test/a~2');
    expect(await allFiles(root)).toEqual(['h.test/a', 'h.test/a~2']);
    expect(readFileSync(join(root, 'h.test/a~2'), 'utf8')).toBe('2');
  });

  it('without hard links, removes the temp a killed run left beside a final name when it saves into that folder again, and no live run\'s', async () => {
    await mkdir(join(root, 'h.test'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(root, 'h.test', `.fanout#tmp.${dead}.abcd1234.0.0`), 'half a bo');
    writeFileSync(join(root, 'h.test', `.fanout#tmp.${process.ppid}.abcd1234.0.0`), 'a live run writes this');
    const s = saver({ links: false });
    expect(await s.save('http://h.test/a', Buffer.from('1'))).toBe('h.test/a');
    expect(readdirSync(join(root, 'h.test')).sort()).toEqual([`.fanout#tmp.${process.ppid}.abcd1234.0.0`, 'a']);
  });

  it("without hard links, goes on past a dead run's leftover it cannot remove (a folder of that name) to the others", async () => {
    await mkdir(join(root, 'h.test'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const stuck = `.fanout#tmp.${dead}.abcd1234.0.99`;
    mkdirSync(join(root, 'h.test', stuck));
    writeFileSync(join(root, 'h.test', stuck, 'inside'), 'not ours to empty');
    for (let i = 0; i < 8; i++) writeFileSync(join(root, 'h.test', `.fanout#tmp.${dead}.abcd1234.0.${i}`), 'half a bo');
    const s = saver({ links: false });
    expect(await s.save('http://h.test/a', Buffer.from('1'))).toBe('h.test/a');
    expect(readdirSync(join(root, 'h.test')).sort()).toEqual([stuck, 'a']);
  });

  it('keeps at most the folder descriptors it may, and still saves into every folder', async () => {
    const held = () => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(root);
      } catch {
        return false;
      }
    }).length;
    const s = saver({ maxOpenDirs: 2 });
    for (let i = 0; i < 10; i++) await s.save(`http://h.test/f${i % 5}/g/p${i}`, Buffer.from(String(i)));
    expect((await allFiles(root)).length).toBe(10);
    expect(held()).toBeLessThanOrEqual(4); // DIR, its temp folder and two folders
    s.close();
    expect(held()).toBe(0);
  });

  it('saves into a folder that is another mount (no hard link across) with the same guarantees', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (another mount, a full disk)');
    await mkdir(join(root, 'h.test'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(root, 'h.test')]).status).toBe(0);
    try {
      const s = saver();
      expect(await s.save('http://h.test/m', Buffer.from('1'))).toBe('h.test/m');
      expect(await s.save('http://h.test/m', Buffer.from('2'))).toBe('h.test/m~2');
      expect(readdirSync(join(root, 'h.test')).sort()).toEqual(['m', 'm~2']);
      expect(readFileSync(join(root, 'h.test', 'm'), 'utf8')).toBe('1');
    } finally {
      for (const s of savers.splice(0)) s.close();
      spawnSync('umount', ['-l', join(root, 'h.test')]);
    }
  });

  it('fails with SAVE_FAILED when the folder cannot be opened', async () => {
    const file = join(outside, 'plain-file');
    await writeFile(file, 'x');
    await expect(new BodySaver(join(file, 'sub')).save('http://h.test/a', Buffer.from('x'))).rejects.toMatchObject({ code: 'SAVE_FAILED' });
  });

  /** Runs `body` with a tmpfs of `size` mounted as the save folder; its savers are closed and it is unmounted after. */
  const onSmallDisk = async (size: string, body: (small: string) => Promise<void>) => {
    const small = join(base, 'small');
    await mkdir(small);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', small]).status).toBe(0);
    try {
      await body(small);
    } finally {
      for (const s of savers.splice(0)) s.close();
      spawnSync('umount', ['-l', small]);
    }
  };

  it('finds a body saved before without writing it again: unchanged pages re-saved onto a full disk succeed', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (a full disk)');
    await onSmallDisk('256k', async (small) => {
      const page = Buffer.alloc(64 * 1024, 1);
      const changed = Buffer.alloc(64 * 1024, 2);
      const s = new BodySaver(small);
      savers.push(s);
      expect(await s.save('http://h.test/p', page)).toBe('h.test/p');
      expect(await s.save('http://h.test/p', changed)).toBe('h.test/p~2');
      // The rest of the disk taken: not even a temp of the page fits now.
      spawnSync('dd', ['if=/dev/zero', `of=${join(small, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      const later = new BodySaver(small);
      savers.push(later);
      expect(await later.save('http://h.test/p', page)).toBe('h.test/p');
      expect(await later.save('http://h.test/p', changed)).toBe('h.test/p~2');
      await expect(later.save('http://h.test/p', Buffer.alloc(64 * 1024, 3))).rejects.toMatchObject({ code: 'NO_SPACE' });
    });
  });

  it('fails with NO_SPACE on a full disk and leaves no temp file', async (ctx) => {
    skipUnless(ctx, canMount, 'needs root allowed to mount a tmpfs (another mount, a full disk)');
    await onSmallDisk('64k', async (small) => {
      const s = new BodySaver(small);
      savers.push(s);
      await expect(s.save('http://h.test/big', Buffer.alloc(256 * 1024))).rejects.toMatchObject({ code: 'NO_SPACE' });
      expect(readdirSync(join(small, '.fanout#tmp'))).toEqual([]);
      expect(existsSync(join(small, 'h.test', 'big'))).toBe(false);
    });
  });
});

describe('prepareSaveDir', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'fanout save dir '));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('removes the temps a killed run left, and nothing else', async () => {
    const dir = join(base, 'save');
    endSaveRun(prepareSaveDir(dir));
    const temps = join(dir, '.fanout#tmp');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(temps, `${dead}.abcd1234.0.0`), 'half a body');
    writeFileSync(join(temps, `${process.pid}.feedbeef.1.2`), 'this process, a run that is over');
    writeFileSync(join(temps, `${process.ppid}.abcd1234.0.0`), 'a live process: maybe another run');
    writeFileSync(join(temps, 'notes.txt'), 'not a temp name');
    const run = prepareSaveDir(dir);
    try {
      expect(readdirSync(temps).sort()).toEqual([`${process.ppid}.abcd1234.0.0`, 'notes.txt']);
    } finally {
      endSaveRun(run);
    }
  });

  it('removes the temp of a killed worker process that lingers as a zombie (its parent gone, never reaped)', async () => {
    const dir = join(base, 'save');
    endSaveRun(prepareSaveDir(dir));
    const temps = join(dir, '.fanout#tmp');
    const z = await zombie();
    try {
      writeFileSync(join(temps, `${z.pid}.abcd1234.0.0`), 'half a body');
      endSaveRun(prepareSaveDir(dir));
      expect(readdirSync(temps)).toEqual([]);
    } finally {
      z.release();
    }
  });

  it('refuses a temp folder that is a symlink, before the run', async () => {
    const dir = join(base, 'save');
    await mkdir(dir);
    await mkdir(join(base, 'elsewhere'));
    symlinkSync(join(base, 'elsewhere'), join(dir, '.fanout#tmp'));
    expect(() => prepareSaveDir(dir)).toThrow(expect.objectContaining({ code: 'SAVE_FAILED' }));
    expect(statSync(join(base, 'elsewhere')).isDirectory()).toBe(true);
  });
});
