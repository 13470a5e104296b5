/** copy({ filesFrom }): only the listed paths, with the folders on their way; a listed folder with all it holds. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { scratch, type Scratch } from './scratch.js';

let area: Scratch;
beforeAll(() => {
  area = scratch('fanout files from ', '16m');
});
afterAll(() => area.remove());

/** Every path under root, '/'-separated, sorted. */
function tree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...tree(root, r));
  }
  return out.sort();
}

describe('copy --files-from', () => {
  it('copies the listed files and folders, the folders on their way, and nothing else', async () => {
    const src = `${area.dir}/src`;
    for (const d of ['a/b', 'a/c', 'd/e', 'x']) mkdirSync(`${src}/${d}`, { recursive: true });
    for (const f of ['a/b/one', 'a/b/two', 'a/c/three', 'a/top', 'd/e/four', 'd/e/five', 'x/six', '#hash']) writeFileSync(`${src}/${f}`, f);
    const list = `${area.dir}/list`;
    writeFileSync(list, 'a/b/one\r\n\n/d/e/\n./#hash\n');
    for (const mode of ['async', 'threads'] as const) {
      const dst = `${area.dir}/dst-${mode}`;
      const s = await copy({ src, dst, filesFrom: list, mode, workers: 2, estimateTotal: true });
      expect(s.failed).toBe(0);
      expect(tree(dst)).toEqual(['#hash', 'a', 'a/b', 'a/b/one', 'd', 'd/e', 'd/e/five', 'd/e/four']);
    }
  });

  it('applies --exclude as well', async () => {
    const src = `${area.dir}/src`;
    const list = `${area.dir}/list2`;
    writeFileSync(list, 'd/e\n');
    const dst = `${area.dir}/dst-ex`;
    await copy({ src, dst, filesFrom: list, exclude: ['five'] });
    expect(tree(dst)).toEqual(['d', 'd/e', 'd/e/four']);
  });

  it('refuses a list it cannot read, before anything is written', async () => {
    const dst = `${area.dir}/never`;
    await expect(copy({ src: `${area.dir}/src`, dst, filesFrom: `${area.dir}/no list` })).rejects.toMatchObject({ code: 'FILES_FROM_UNREADABLE' });
    expect(existsSync(dst)).toBe(false);
  });
});
