/** `fanout copy -i --cluster`: what changed crosses Redis like the rest of a record (needs the build). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { changeTree, ITEMIZED, makeTree } from '../jobs/copy/changed-tree.js';
import { redisKeys, redisRig } from './support.js';

const rig = redisRig('fanout cluster-itemize ');

describe('copy -i through the cluster', () => {
  it('prints the lines a local run prints, in the same order', async () => {
    await rig.startWorker(['--procs', '2']);
    const src = `${rig.dir}/src`;
    const dst = `${rig.dir}/dst`;
    makeTree(src);
    expect((await runCli(['copy', '-q', src, dst, '--cluster', rig.redis.url])).code).toBe(0);
    changeTree(src);
    const r = await runCli(['copy', '-i', src, dst, '--cluster', rig.redis.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(ITEMIZED);
    expect(redisKeys(rig.redis)).toEqual([]);
  });
});
