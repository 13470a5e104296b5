import { createHash } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isContained, savePath } from '../../../src/jobs/scrape/save-path.js';
import { NASTY } from '../../../fixtures/nasty-urls.js';


describe('savePath', () => {
  it('puts a directory-like path at index.html under the host folder', () => {
    expect(savePath('https://Example.COM/docs/')).toBe('example.com/docs/index.html');
    expect(savePath('https://example.com')).toBe('example.com/index.html');
    expect(savePath('http://example.com:8080/a/b.html')).toBe('example.com#8080/a/b.html');
    expect(savePath('http://[::1]:8080/v6')).toBe('[--1]#8080/v6');
  });

  it('folds the query string into the file name as a short hash, before the extension', () => {
    const one = savePath('http://h.test/list.html?page=1');
    const two = savePath('http://h.test/list.html?page=2');
    expect(one).toMatch(/^h\.test\/list#[0-9a-f]{8}\.html$/);
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
    expect(a).toMatch(/^h\.test\/x{180}#[0-9a-f]{8}\.html$/);
  });

  it('gives URLs that used to share a name different names: made-up parts hold "#", which no URL path holds', () => {
    const old = createHash('sha1').update('?q=1').digest('hex').slice(0, 8);
    const pairs = [
      ['http://h.test/x?q=1', `http://h.test/x_${old}`],
      ['http://h.test/...', 'http://h.test/%2E%2E%2E'],
      ['http://h.test/a//b', 'http://h.test/a/_/b'],
      ['http://h.test/a//b', 'http://h.test/a/%23/b'],
      ['http://h_8080.test/', 'http://h.test:8080/'],
      [`http://h.test/${'y'.repeat(300)}`, `http://h.test/${'y'.repeat(180)}_${createHash('sha1').update('y'.repeat(300)).digest('hex').slice(0, 8)}`],
    ];
    for (const [a, b] of pairs) expect(savePath(a!), `${a} vs ${b}`).not.toBe(savePath(b!));
    expect(savePath('http://h.test/a//b')).toBe('h.test/a/#/b');
    expect(savePath('http://h.test/...')).toBe('h.test/...');
  });

  it('refuses non-http(s) URLs', () => {
    expect(() => savePath('file:///etc/passwd')).toThrow();
  });
});
