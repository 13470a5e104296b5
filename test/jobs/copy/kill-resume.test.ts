/**
 * `fanout copy --delete --log FILE -i` killed with SIGKILL at three points (as the run starts walking, mid-copy with a
 * temp in flight, during the delete pass) in every mode, then run again: whatever the moment, DST holds no partial
 * file under a final name (each file is the source's or what DST held before), nothing was deleted without its
 * record, the log and the -i lines are whole and never repeat an entry, and the re-run finishes the mirror.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeFiles, smallFiles } from '../../../fixtures/tree.js';
import { isTempName } from '../../../src/jobs/copy/temp.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';
import { BIN, preloading, runCli } from '../../helpers/cli.js';
import { scratch, type Scratch } from './scratch.js';
import { expectSameTree, tempNames } from './snapshot.js';

let area: Scratch;
let src: string;
/** What DST holds before every first run: an old version of some SRC files, and extras for --delete. */
const OLD = 'an old version\n';
const EXTRA = 'extra\n';
let n = 0;

beforeAll(() => {
  area = scratch('fanout kill resume ', '600m');
  src = `${area.dir}/src`;
  smallFiles(src, 2000);
  largeFiles(`${src}/big`, 3, 8 << 20);
}, 120_000);
afterAll(() => area.remove());

/** A DST as a user's backup might be: older copies of SRC's first folder and entries SRC no longer has. */
function oldDst(dst: string): void {
  mkdirSync(`${dst}/d0/e0`, { recursive: true });
  for (let c = 0; c < 100; c++) writeFileSync(`${dst}/d0/e0/f${c}.txt`, OLD);
  for (let d = 0; d < 5; d++) {
    mkdirSync(`${dst}/extra ${d}`, { recursive: true });
    for (let f = 0; f < 400; f++) writeFileSync(`${dst}/extra ${d}/${f}`, EXTRA);
  }
}

/** Regular files under root, relative, temps left out; and the temps. */
function files(root: string): { names: string[]; temps: number } {
  const out = { names: [] as string[], temps: 0 };
  const visit = (rel: string) => {
    let entries;
    try {
      entries = readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path);
      else if (isTempName(e.name)) out.temps++;
      else out.names.push(path);
    }
  };
  visit('');
  return out;
}

/** Lines of a file a killed run wrote: each must be whole (end in a newline). */
function wholeLines(file: string, what: string): string[] {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text !== '') expect(text.endsWith('\n'), `${what} ends with a whole line`).toBe(true);
  return text.split('\n').slice(0, -1);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

const MODES = [[], ['--threads', '2'], ['--procs', '2']];
type Point = 'walk' | 'copy' | 'delete';

describe('fanout copy killed (SIGKILL) and run again', () => {
  for (const mode of MODES) {
    for (const point of ['walk', 'copy', 'delete'] as Point[]) {
      it(`[${mode.join(' ') || 'async'}] killed ${point === 'walk' ? 'as its walk starts' : point === 'copy' ? 'mid-copy, a temp in flight' : 'in the delete pass'}: nothing partial or lost, whole log and -i lines, the re-run finishes`, async () => {
        const base = `${area.dir}/case ${++n}`;
        const dst = `${base}/dst`;
        oldDst(dst);
        const log = `${base}/log.jsonl`;
        const lines = `${base}/lines.txt`;
        const hold = `${base}/hold`;
        const env = point === 'delete' ? preloading('delete-hold', { DELETE_HOLD_FILE: hold, DELETE_HOLD_LOG: log }) : {};
        const out = openSync(lines, 'w');
        const child = spawn(process.execPath, [BIN, 'copy', src, dst, '--delete', '--log', log, '-i', '--no-progress', ...mode], {
          env: { ...process.env, ...env },
          stdio: ['ignore', out, 'pipe'],
        });
        closeSync(out);
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        let exited = false;
        void exit.then(() => (exited = true));
        const ready = {
          walk: () => existsSync(log),
          copy: () => files(dst).temps > 0,
          delete: () => existsSync(`${hold}.held`),
        }[point];
        for (const deadline = Date.now() + 60_000; !ready() && !exited && Date.now() < deadline; ) await turn();
        expect(exited, `the run ended before it could be killed ${point}: ${stderr}`).toBe(false);
        child.kill('SIGKILL');
        await exit;

        // Every file under a final name is whole: the source's, or what DST held before.
        const left = files(dst).names;
        for (const rel of left) {
          const data = readFileSync(`${dst}/${rel}`);
          const before = rel.startsWith('extra ') ? EXTRA : rel.startsWith('d0/e0/') ? OLD : null;
          if (before !== null && data.equals(Buffer.from(before))) continue;
          expect(data.equals(readFileSync(`${src}/${rel}`)), `${rel} is whole`).toBe(true);
        }
        // Whole records, none twice, and every extra that is gone has its delete record.
        const records = wholeLines(log, 'the log').map((l) => JSON.parse(l) as CopyRecord);
        const keys = records.map((r) => `${r.action} ${r.path}`);
        expect(new Set(keys).size, 'no record twice').toBe(keys.length);
        const deleted = new Set(records.filter((r) => r.action === 'delete').map((r) => r.path));
        const extrasLeft = new Set(left.filter((rel) => rel.startsWith('extra ')));
        for (let d = 0; d < 5; d++) {
          for (let f = 0; f < 400; f++) if (!extrasLeft.has(`extra ${d}/${f}`)) expect(deleted.has(`extra ${d}/${f}`), `extra ${d}/${f}: deleted with its record`).toBe(true);
        }
        if (point !== 'delete') expect(deleted.size, 'nothing deleted before the copy ended').toBe(0);
        const itemized = wholeLines(lines, 'the -i lines');
        for (const l of itemized) expect(l).toMatch(/^([<>ch.][fdLDS][c.+][s.+][t.+][p.+][o.+][g.+][u.+][a.+][x.+]|\*deleting  ) \S/);
        expect(new Set(itemized).size, 'no -i line twice').toBe(itemized.length);

        const again = await runCli(['copy', src, dst, '--delete', '--log', log, '-q', ...mode]);
        expect(again.stderr).toBe('');
        expect(again.code).toBe(0);
        expect(tempNames(dst)).toEqual([]);
        expectSameTree(src, dst, { atime: false });
        expect(basename(dst)).toBe('dst');
      }, 120_000);
    }
  }
});
