/**
 * Files of procfs and sysfs report a size that is not their contents' (4096 or 0): they are copied by reading to
 * their end, as cp -a does, not padded with NULs nor failed as changed; an attribute that cannot be read is that
 * entry's failed record and the run goes on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { copy } from '../../../src/jobs/copy/copy.js';
import type { CopyRecord } from '../../../src/jobs/copy/record.js';

const dir = mkdtempSync(`${tmpdir()}/fanout pseudo `);
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+w', dir]); // copies of /proc's read-only directories (0555): not removable otherwise
  rmSync(dir, { recursive: true, force: true });
});

const THP = '/sys/kernel/mm/transparent_hugepage';
const BUS = '/sys/bus/cpu';
const PROC = '/proc/sys/fs/inotify';

/** The regular files directly in `src` (their copies are compared with what `cat` reads at the same time). */
function files(src: string): string[] {
  return readdirSync(src).filter((n) => lstatSync(`${src}/${n}`).isFile());
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

describe('copy of pseudo file systems', () => {
  for (const [src, mode] of [[THP, 'async'], [THP, 'threads'], [PROC, 'async']] as const) {
    it.skipIf(!existsSync(src))(`copies each file of ${src} as cat reads it, no NUL padding (${mode} mode)`, async () => {
      const dst = `${dir}/${src.replaceAll('/', '_')}-${mode}`;
      const records: CopyRecord[] = [];
      const summary = await copy({ src, dst, mode, workers: 1, exclude: ['hugepages-*'], onRecord: (r) => records.push(r) });
      const names = files(src).filter((n) => readable(`${src}/${n}`));
      expect(names.length).toBeGreaterThan(0);
      for (const n of names) {
        const rec = records.find((r) => r.path === n);
        expect(rec?.ok, `${n}: ${JSON.stringify(rec?.error)}`).toBe(true);
        const copied = readFileSync(`${dst}/${n}`);
        expect(copied.includes(0), `${n} holds NULs`).toBe(false);
        expect(copied.toString(), n).toBe(readFileSync(`${src}/${n}`).toString());
        expect(rec!.bytes).toBe(copied.length);
      }
      expect(summary.failed).toBe(records.filter((r) => !r.ok).length);
    });
  }

  it.skipIf(!existsSync(`${BUS}/drivers_probe`))('fails a write-only attribute as its own record and copies the rest', async () => {
    const dst = `${dir}/bus-cpu`;
    const records: CopyRecord[] = [];
    await copy({ src: BUS, dst, include: ['drivers_*', 'uevent'], onRecord: (r) => records.push(r) });
    const probe = records.find((r) => r.path === 'drivers_probe');
    expect(probe?.ok).toBe(false);
    expect(['PERMISSION', 'IO_ERROR']).toContain(probe?.error?.code);
    expect(existsSync(`${dst}/drivers_probe`)).toBe(false);
    expect(readFileSync(`${dst}/drivers_autoprobe`, 'utf8')).toBe(readFileSync(`${BUS}/drivers_autoprobe`, 'utf8'));
    expect(readdirSync(dst).filter((n) => n.startsWith('.fanout-tmp-'))).toEqual([]);
  });
});
