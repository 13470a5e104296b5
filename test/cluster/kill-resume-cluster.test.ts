/**
 * --cluster runs killed with SIGKILL (needs the build and redis-server): the coordinator of a copy mid-copy and of a
 * scrape mid-run, then a re-run that finishes the work; and a worker machine's process killed mid-run, whose items
 * run elsewhere once its lease runs out: one record per item either way, none twice, no hang.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { smallFiles } from '../../fixtures/tree.js';
import { isTempName } from '../../src/jobs/copy/temp.js';
import type { CopyRecord } from '../../src/jobs/copy/record.js';
import { lineCount, parseJsonl, runCli, startCli } from '../helpers/cli.js';
import { expectSameTree, tempNames } from '../jobs/copy/snapshot.js';
import { clusterRig, writeList } from './support.js';

const rig = clusterRig('fanout cluster kill ', { hosts: 2, latencyMs: 5, log: false });

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

async function until(what: string, cond: () => boolean, running: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 60_000; !cond(); await pause()) {
    if (!running()) throw new Error(`the run ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Files under root, temps left out. */
function files(root: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return files(root, path);
    return isTempName(e.name) ? [] : [path];
  });
}

interface Rec {
  index: number;
  ok: boolean;
  error: { code: string } | null;
}

describe('--cluster runs killed with SIGKILL', () => {
  it('copy --delete --log -i: the coordinator killed mid-copy leaves nothing partial and deletes nothing; the re-run finishes', async () => {
    await rig.startWorker(['--procs', '2']);
    const src = `${rig.dir}/copy src`;
    const dst = `${rig.dir}/copy dst`;
    smallFiles(src, 3000);
    mkdirSync(`${dst}/extra`, { recursive: true });
    writeFileSync(`${dst}/extra/old`, 'old\n');
    const log = `${rig.dir}/copy log.jsonl`;
    const run = startCli(['copy', src, dst, '--delete', '--log', log, '-i', '--no-progress', '--cluster', rig.redis.url]);
    let exited = false;
    void run.done.then(() => (exited = true));
    await until('the copy to be under way', () => lineCount(log) >= 200, () => !exited).catch(async (err: Error) => {
      run.child.kill('SIGKILL');
      throw new Error(`${err.message}: ${(await run.done).stderr} / worker: ${rig.workers.map((w) => w.stderr()).join('')}`);
    });
    run.child.kill('SIGKILL');
    await run.done;
    for (const rel of files(dst)) {
      if (rel === 'extra/old' || rel.startsWith('.fanout-probe-')) continue; // the killed run's probe (cluster-probe.ts)
      expect(readFileSync(`${dst}/${rel}`).equals(readFileSync(`${src}/${rel}`)), `${rel} is whole`).toBe(true);
    }
    expect(existsSync(`${dst}/extra/old`), 'nothing deleted before the copy ended').toBe(true);
    const text = readFileSync(log, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const keys = parseJsonl<CopyRecord>(text).map((r) => `${r.action} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);

    // A re-run without --delete leaves nothing of the killed run either (its temps, its probe file).
    const again = await runCli(['copy', src, dst, '-q', '--cluster', rig.redis.url]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readdirSync(dst).filter((name) => name.startsWith('.fanout-'))).toEqual([]);
    const last = await runCli(['copy', src, dst, '--delete', '-q', '--cluster', rig.redis.url]);
    expect(last.code).toBe(0);
    expect(tempNames(dst)).toEqual([]);
    expectSameTree(src, dst, { atime: false });
  }, 120_000);

  it('scrape -o: the coordinator killed mid-run, then --resume: each URL line\'s record once, whole', async () => {
    await rig.startWorker();
    const urls = 400;
    const list = await writeList(rig.dir, Array.from({ length: urls }, (_, i) => `${rig.site.urls[i % 2]}/page/${i}`));
    const out = `${rig.dir}/scrape out.jsonl`;
    const run = startCli(['scrape', list, '-o', out, '-c', '8', '-q', '--cluster', rig.redis.url]);
    let exited = false;
    void run.done.then(() => (exited = true));
    await until('a quarter of the records', () => lineCount(out) >= urls / 4, () => !exited);
    run.child.kill('SIGKILL');
    await run.done;
    const again = await runCli(['scrape', list, '-o', out, '-c', '8', '--resume', '-q', '--cluster', rig.redis.url]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(parseJsonl<Rec>(text).map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: urls }, (_, i) => i));
  }, 120_000);

  it('scrape: a worker killed mid-run, its items run on the other once its lease is out: one record per line, no hang', async () => {
    const doomed = await rig.startWorker();
    await rig.startWorker();
    const urls = 300;
    const list = await writeList(rig.dir, Array.from({ length: urls }, (_, i) => `${rig.site.urls[i % 2]}/page/${i}?latency=20`));
    const out = `${rig.dir}/worker killed.jsonl`;
    const run = startCli(['scrape', list, '-o', out, '-c', '16', '-q', '--lease', '2', '--cluster', rig.redis.url]);
    let exited = false;
    void run.done.then(() => (exited = true));
    await until('the run to be under way', () => lineCount(out) >= 30, () => !exited);
    doomed.child.kill('SIGKILL');
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 90_000); // a safety net: a hang fails the test
    const r = await run.done;
    clearTimeout(killer);
    expect(r.signal).toBe(null);
    expect([0, 1]).toContain(r.code);
    const records = parseJsonl<Rec>(readFileSync(out, 'utf8'));
    expect(records.map((x) => x.index)).toEqual(Array.from({ length: urls }, (_, i) => i));
    for (const x of records) if (!x.ok) expect(x.error!.code).toBe('WORKER_CRASHED');
  }, 120_000);
});
