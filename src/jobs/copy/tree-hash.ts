/**
 * A sha256 over a whole tree: sorted relative paths with type, size, mode, mtime (ns), content hash, link
 * target and hard-link group. Two strategies that produced the same tree produce the same hash.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';

export async function treeHash(root: string): Promise<string> {
  const h = createHash('sha256');
  const firstPathOfInode = new Map<bigint, string>();
  const visit = async (rel: string): Promise<void> => {
    const abs = rel ? `${root}/${rel}` : root;
    const s = lstatSync(abs, { bigint: true });
    const type = s.isFile() ? 'f' : s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : s.isFIFO() ? 'p' : 'o';
    let extra = '';
    if (s.isFile()) {
      if (s.nlink > 1n) {
        const first = firstPathOfInode.get(s.ino);
        if (first === undefined) firstPathOfInode.set(s.ino, rel);
        else extra = `=${first}`;
      }
      extra += await fileHash(abs);
    } else if (s.isSymbolicLink()) extra = readlinkSync(abs, { encoding: 'buffer' }).toString('hex');
    h.update(`${JSON.stringify(rel)} ${type} ${s.isDirectory() ? 0 : s.size} ${(s.mode & 0o7777n).toString(8)} ${s.mtimeNs} ${extra}\n`);
    if (s.isDirectory()) for (const n of readdirSync(abs).sort()) await visit(rel ? `${rel}/${n}` : n);
  };
  await visit('');
  return h.digest('hex');
}

function fileHash(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (c) => h.update(c)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}
