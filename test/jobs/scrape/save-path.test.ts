import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BodySaver } from '../../../src/jobs/scrape/save.js';
import { isContained, savePath } from '../../../src/jobs/scrape/save-path.js';

const NASTY = [
  'http://h.test/../../etc/passwd',
  'http://h.test/%2e%2e/%2e%2e/etc/passwd',
  'http://h.test/a/%2E%2E%2F%2E%2E%2Fetc',
  'http://h.test/..%2f..%2fescape',
  'http://h.test/a/..%5c..%5cwin',
  'http://h.test/%00nul',
  'http://h.test//etc/passwd',
  'http://h.test/C:/Windows',
  'http://h.test/\\..\\..\\x',
  'http://h.test/./././',
  'http://h.test/.../x',
  `http://h.test/${'a'.repeat(300)}/${'b'.repeat(300)}.html`,
  `http://h.test/${'seg/'.repeat(400)}end`,
  'http://[::1]:8080/v6',
  'http://h.test/?q=../../x',
];

describe('savePath', () => {
  it('puts a directory-like path at index.html under the host folder', () => {
    expect(savePath('https://Example.COM/docs/')).toBe('example.com/docs/index.html');
    expect(savePath('https://example.com')).toBe('example.com/index.html');
    expect(savePath('http://example.com:8080/a/b.html')).toBe('example.com_8080/a/b.html');
  });

  it('folds the query string into the file name as a short hash, before the extension', () => {
    const one = savePath('http://h.test/list.html?page=1');
    const two = savePath('http://h.test/list.html?page=2');
    expect(one).toMatch(/^h\.test\/list_[0-9a-f]{8}\.html$/);
    expect(one).not.toBe(two);
    expect(savePath('http://h.test/list.html?page=1#frag')).toBe(one);
  });

  it('keeps encoded dots and slashes as plain names inside the host folder', () => {
    expect(savePath('http://h.test/a/%2E%2E%2F%2E%2E%2Fetc')).toBe('h.test/a/%2E%2E%2F%2E%2E%2Fetc');
    expect(savePath('http://h.test/%2e%2e/%2e%2e/etc/passwd')).toBe('h.test/etc/passwd'); // the URL parser resolved them
  });

  it('never yields a path that leaves the folder, for any nasty URL', () => {
    const root = resolve('/save/root');
    for (const url of NASTY) {
      const rel = savePath(url);
      expect(isContained(rel), `${url} -> ${rel}`).toBe(true);
      expect(resolve(root, rel).startsWith(root + sep), url).toBe(true);
      for (const segment of rel.split('/')) expect(Buffer.byteLength(segment), url).toBeLessThanOrEqual(200);
      expect(Buffer.byteLength(rel)).toBeLessThanOrEqual(1024);
    }
  });

  it('truncates over-long names with a hash suffix so different long names stay different', () => {
    const a = savePath(`http://h.test/${'x'.repeat(300)}a.html`);
    const b = savePath(`http://h.test/${'x'.repeat(300)}b.html`);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^h\.test\/x{180}_[0-9a-f]{8}\.html$/);
  });

  it('refuses non-http(s) URLs', () => {
    expect(() => savePath('file:///etc/passwd')).toThrow();
  });
});

describe('BodySaver', () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    const base = await mkdtemp(join(tmpdir(), 'fanout-save-'));
    root = join(base, 'out');
    outside = join(base, 'outside');
    await mkdir(outside);
  });
  afterEach(async () => {
    await rm(resolve(root, '..'), { recursive: true, force: true });
  });

  async function allFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => !e.isDirectory()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/')).sort();
  }

  it('writes the body at its derived path and returns that path, leaving no temp files', async () => {
    const saver = new BodySaver(root);
    const rel = await saver.save('http://h.test/docs/', Buffer.from('hello'));
    expect(rel).toBe('h.test/docs/index.html');
    expect(await readFile(join(root, rel), 'utf8')).toBe('hello');
    expect(await allFiles(root)).toEqual(['h.test/docs/index.html']);
  });

  it('overwrites the same URL saved again, atomically', async () => {
    const saver = new BodySaver(root);
    await saver.save('http://h.test/a.html', Buffer.from('one'));
    const rel = await saver.save('http://h.test/a.html', Buffer.from('two'));
    expect(await readFile(join(root, rel), 'utf8')).toBe('two');
    expect(await allFiles(root)).toEqual(['h.test/a.html']);
  });

  it('never writes outside DIR, for nasty URLs or a symlink planted inside DIR', async () => {
    await mkdir(join(root, 'h.test'), { recursive: true });
    await symlink(outside, join(root, 'h.test', 'etc'));
    await symlink(join(outside, 'target.html'), join(root, 'h.test', 'link.html'));
    const saver = new BodySaver(root);
    for (const url of [...NASTY, 'http://h.test/etc/passwd', 'http://h.test/link.html']) {
      const rel = await saver.save(url, Buffer.from(url));
      expect(resolve(root, rel).startsWith(root + sep), url).toBe(true);
      expect(await readFile(join(root, rel), 'utf8')).toBe(url);
    }
    expect(await readdir(outside)).toEqual([]);
  });

  it('resolves a file in the way of a folder, and a folder in the way of a file, without losing either', async () => {
    const saver = new BodySaver(root);
    const docs = await saver.save('http://h.test/docs', Buffer.from('docs'));
    const intro = await saver.save('http://h.test/docs/intro', Buffer.from('intro'));
    expect(docs).toBe('h.test/docs');
    expect(intro).toMatch(/^h\.test\/docs_[0-9a-f]{8}\/intro$/);

    const other = new BodySaver(root); // a second worker that saves in the opposite order
    const guide = await other.save('http://h.test/guide/one', Buffer.from('one'));
    const guideFile = await other.save('http://h.test/guide', Buffer.from('guide'));
    expect(guide).toBe('h.test/guide/one');
    expect(guideFile).toMatch(/^h\.test\/guide_[0-9a-f]{8}$/);
    for (const [rel, text] of [[docs, 'docs'], [intro, 'intro'], [guide, 'one'], [guideFile, 'guide']]) {
      expect(await readFile(join(root, rel), 'utf8')).toBe(text);
    }
  });

  it('keeps two different URLs that derive the same path in separate files', async () => {
    const saver = new BodySaver(root);
    const a = await saver.save('http://h.test/d/', Buffer.from('dir'));
    const b = await saver.save('http://h.test/d/index.html', Buffer.from('file'));
    expect(a).not.toBe(b);
    expect(await readFile(join(root, a), 'utf8')).toBe('dir');
    expect(await readFile(join(root, b), 'utf8')).toBe('file');
  });

  it('fails with SAVE_FAILED when the folder cannot be created', async () => {
    const file = join(outside, 'plain-file');
    await writeFile(file, 'x');
    const saver = new BodySaver(join(file, 'sub'));
    await expect(saver.save('http://h.test/a', Buffer.from('x'))).rejects.toMatchObject({ code: 'SAVE_FAILED' });
  });

  it('fails with SAVE_FAILED, instead of never answering, for a folder under /proc', async () => {
    // Node's recursive mkdir spins forever on this path; the saver must settle.
    const saver = new BodySaver('/proc/fanout-no-such/bodies');
    await expect(saver.save('http://h.test/a', Buffer.from('x'))).rejects.toMatchObject({ code: 'SAVE_FAILED' });
  }, 10_000);
});
