import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownFolder } from '../../src/util/user-cache.js';
import { needsRoot } from '../helpers/needs.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'fanout user cache '));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("the user's cache folder", () => {
  it('is made 0700 where missing, and is ours', () => {
    const dir = join(base, 'mine', 'fanout', 'leaf');
    expect(ownFolder(dir)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("is neither made nor used inside another user's folder (a root run with that user's HOME)", (ctx) => {
    needsRoot(ctx, 'a folder of another user (chown)');
    const theirs = join(base, 'their home');
    mkdirSync(join(theirs, '.cache'), { recursive: true });
    chownSync(theirs, 65534, 65534);
    chownSync(join(theirs, '.cache'), 65534, 65534);
    expect(ownFolder(join(theirs, '.cache', 'fanout', 'clean-dirs'))).toBe(false);
    expect(existsSync(join(theirs, '.cache', 'fanout'))).toBe(false);
  });
});
