/** A single file copied again sweeps the temp its killed copy left, and nothing else. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import { copySeams, SMALL } from '../../../src/jobs/copy/copy-file.js';
import { scratch, type Scratch } from './scratch.js';

let area: Scratch;
beforeAll(() => {
  area = scratch('fanout file temps ', '16m');
});
afterAll(() => area.remove());

/** The pid of a process that has exited (base 36, as temp names carry it). */
function deadPid(): string {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout).toString(36);
}

describe('copy of a single file', () => {
  it('removes the temp a killed copy of the same file left, and keeps every other temp-like entry', async () => {
    const src = `${area.dir}/src`;
    const into = `${area.dir}/into`;
    mkdirSync(src);
    mkdirSync(into);
    writeFileSync(`${src}/a.iso`, 'new data');
    const dead = deadPid();
    const live = process.pid.toString(36);
    const leftover = `.fanout-tmp-${dead}.0.1a2.3-a.iso`;
    const kept = [
      `.fanout-tmp-${dead}.0.1a2.4-b.iso`, // another file's: a tree copy of the folder sweeps it
      `.fanout-tmp-${live}.0.1a2.5-a.iso`, // a live process's: maybe being written right now
      `.fanout-tmp-${dead}.0.1a2.6`, // a temp whose name was left out: a.iso would have kept its name
      '.fanout-tmp-notes-a.iso', // the user's own file, not the shape
    ];
    const folder = `.fanout-tmp-${dead}.0.1a2.7-a.iso`; // a temp is never a folder: not swept
    for (const name of [leftover, ...kept]) writeFileSync(`${into}/${name}`, 'partial');
    mkdirSync(`${into}/${folder}`);
    const s = await copy({ src: `${src}/a.iso`, dst: `${into}/` });
    expect(s.failed).toBe(0);
    expect(readdirSync(into).sort()).toEqual([...kept, folder, 'a.iso'].sort());
  });
});

describe('copy of a single file while its folder is swapped', () => {
  it('writes into the folder it checked, never through a symlink put in that folder\'s place mid-copy', async () => {
    const base = `${area.dir}/swap`;
    mkdirSync(`${base}/into`, { recursive: true });
    mkdirSync(`${base}/outside`);
    const data = Buffer.alloc(SMALL, 7); // a file large enough to go through the seam (small ones are one read)
    writeFileSync(`${base}/a.iso`, data);
    copySeams.afterOpen = () => {
      delete copySeams.afterOpen;
      renameSync(`${base}/into`, `${base}/into-moved`);
      symlinkSync(`${base}/outside`, `${base}/into`);
    };
    try {
      const s = await copy({ src: `${base}/a.iso`, dst: `${base}/into/` });
      expect(s.failed).toBe(0);
    } finally {
      delete copySeams.afterOpen;
    }
    expect(readdirSync(`${base}/outside`)).toEqual([]);
    expect(readFileSync(`${base}/into-moved/a.iso`).equals(data)).toBe(true);
  });
});
