/**
 * A hash of a directory tree as a copy should reproduce it: relative paths, types, permission bits, file sizes,
 * file mtimes (to the millisecond), file contents and symlink targets. Directory mtimes are left out: they
 * change whenever an entry is added, so they say more about timing than about the result.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function hashTree(root: string): Promise<string> {
  const hash = createHash('sha256');
  await walk(root, '', hash);
  return `sha256:${hash.digest('hex')}`;
}

async function walk(root: string, rel: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const names = (await readdir(join(root, rel))).sort();
  for (const name of names) {
    const path = rel ? `${rel}/${name}` : name;
    const full = join(root, path);
    const st = await lstat(full);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      hash.update(`d ${JSON.stringify(path)} ${mode}\n`);
      await walk(root, path, hash);
    } else if (st.isSymbolicLink()) {
      hash.update(`l ${JSON.stringify(path)} -> ${JSON.stringify(await readlink(full))}\n`);
    } else if (st.isFile()) {
      hash.update(`f ${JSON.stringify(path)} ${mode} ${st.size} ${Math.floor(st.mtimeMs)} ${await fileHash(full)}\n`);
    } else {
      // FIFOs, sockets, devices: their presence and mode only; never opened.
      hash.update(`o ${JSON.stringify(path)} ${mode}\n`);
    }
  }
}

function fileHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
