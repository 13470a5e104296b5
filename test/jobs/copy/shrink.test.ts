import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { copySeams, LARGE, SMALL, writeFileAsync, writeFileSync as writeAtomically } from '../../../src/jobs/copy/copy-file.js';
import { processIdentity } from '../../../src/jobs/copy/metadata.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';

const dir = mkdtempSync(`${tmpdir()}/fanout shrink `);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NODE_OPTIONS = process.env.NODE_OPTIONS;
afterEach(() => {
  delete copySeams.afterOpen;
  if (NODE_OPTIONS === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = NODE_OPTIONS;
});
/** The built seam fixture: the copy's task runs dist/ in every mode, so the seam is set on dist's copy-file.js. */
const SEAM = new URL('../../../dist/fixtures/shrink-seam.js', import.meta.url).href;
const opts = { id: processIdentity(), dirSetgid: false, verify: false };
let n = 0;

/** A source of `size` bytes (sparse: all hole), the walk's lstat of it, and an old destination. */
function source(size: number, sparse = false) {
  const name = `f${n++}`;
  if (sparse) {
    writeFileSync(`${dir}/${name}`, '');
    truncateSync(`${dir}/${name}`, size);
  } else writeFileSync(`${dir}/${name}`, Buffer.alloc(size, 0x61));
  writeFileSync(`${dir}/${name}.dst`, 'old copy\n');
  const src = `${dir}/${name}`;
  return { src, s: lstatSync(src), args: [src, `${src}.dst`, `${dir}/.fanout-tmp-t-${name}`, lstatSync(src), opts] as const };
}

const routes = [
  ['the synchronous loop (64 KiB - 1 MiB)', SMALL * 4, false],
  ['the asynchronous loop (1 MiB and more)', LARGE * 3, false],
  ['the sparse loop', LARGE * 3, true],
] as const;

describe('a source that changes size during its copy', () => {
  for (const [route, size, sparse] of routes) {
    for (const [change, act] of [
      ['shrinks', (p: string) => truncateSync(p, size / 2)],
      ['grows', (p: string) => appendFileSync(p, Buffer.alloc(CHUNK_PLUS, 0x62))],
    ] as const) {
      it(`ends with CHANGED_DURING_COPY, keeping the old destination, when it ${change} mid-copy (${route})`, async () => {
        const f = source(size, sparse);
        copySeams.afterOpen = () => act(f.src); // after the source was opened and checked, before its data is read
        const run = async () => (size >= LARGE && !sparse ? writeFileAsync(...f.args) : writeAtomically(...f.args));
        await expect(run()).rejects.toMatchObject({ code: 'CHANGED_DURING_COPY' });
        expect(readFileSync(`${f.src}.dst`, 'utf8')).toBe('old copy\n');
        expect(readdirSync(dir).filter((x) => x.startsWith('.fanout-tmp-'))).toEqual([]);
      }, 30_000);
    }
  }
});

const CHUNK_PLUS = (1 << 20) + 1;

describe('copy of a tree whose big files shrink during the copy', () => {
  for (const mode of ['async', 'threads', 'procs'] as const) {
    it(`fails those files with CHANGED_DURING_COPY instead of spinning forever (${mode} mode)`, async () => {
      const src = `${dir}/tree-${mode}`;
      mkdirSync(src);
      writeFileSync(`${src}/large`, Buffer.alloc(LARGE * 3, 0x61));
      writeFileSync(`${src}/medium`, Buffer.alloc(SMALL * 4, 0x61));
      writeFileSync(`${src}/small`, 'untouched\n');
      // The seam halves every source of 64 KiB or more once opened: in this process, and preloaded into workers
      // (worker threads and child processes both read NODE_OPTIONS when they start).
      const seam = (await import(SEAM)) as { install(): void; uninstall(): void };
      if (mode === 'async') seam.install();
      else process.env.NODE_OPTIONS = `${NODE_OPTIONS ?? ''} --import ${SEAM}`.trim();
      const records: CopyRecord[] = [];
      let summary;
      try {
        summary = await copy({ src, dst: `${dir}/out-${mode}`, mode, workers: 1, onRecord: (r) => records.push(r) });
      } finally {
        seam.uninstall();
      }
      const code = (name: string) => records.find((r) => r.path === name)?.error?.code;
      expect(code('large')).toBe('CHANGED_DURING_COPY');
      expect(code('medium')).toBe('CHANGED_DURING_COPY');
      expect(records.find((r) => r.path === 'small')?.ok).toBe(true);
      expect(summary.failed).toBe(2);
    }, 60_000);
  }
});

describe('the copy in production', () => {
  it('leaves its sources whole whatever the environment says (no test switch in the product)', async () => {
    const src = `${dir}/env-tree`;
    mkdirSync(src);
    writeFileSync(`${src}/big`, Buffer.alloc(SMALL * 2, 0x61));
    process.env.FANOUT_TEST_SHRINK_SOURCE = '1'; // a switch an earlier version obeyed by halving every big source
    try {
      const summary = await copy({ src, dst: `${dir}/env-out`, mode: 'async' });
      expect(summary.failed).toBe(0);
    } finally {
      delete process.env.FANOUT_TEST_SHRINK_SOURCE;
    }
    expect(lstatSync(`${src}/big`).size).toBe(SMALL * 2);
    expect(readFileSync(`${dir}/env-out/big`)).toEqual(Buffer.alloc(SMALL * 2, 0x61));
  });
});
