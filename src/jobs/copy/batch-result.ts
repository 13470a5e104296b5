/**
 * What a batch sends back to the coordinator: one character per entry instead of one record object each. A
 * batch of 64 records costs a structured clone of 64 objects on each side of the boundary (and their garbage);
 * a re-run over an up-to-date tree is almost nothing else. Anything beyond "ok, as the walk typed it, no bytes"
 * (an error, a changed type, a hard-link key, bytes written, changes other than the action implies: an existing
 * entry rewritten or fixed) travels alongside, only for the entries that have it.
 */
import { changeBits, changeList, impliedChanges } from './changes.js';
import type { CopyRecordError } from './errors.js';
import { okRecord, type Action, type CopyRecord, type EntryType } from './record.js';

export interface BatchResult {
  /** One action code per entry, in the batch's order (see CODE). */
  actions: string;
  /** Pairs of (entry index, data bytes written), for entries that wrote any. */
  bytes?: number[];
  /** Pairs of (entry index, change bits, changes.ts), for ok entries whose changes are not their action's implied ones. */
  changes?: number[];
  /** Entries that failed, changed type since the walk, or carry a hard-link key. */
  extra?: Extra[];
}

interface Extra {
  i: number;
  type?: EntryType;
  error?: CopyRecordError;
  linkKey?: string;
}

const CODE: Record<Action, string> = { mkdir: 'd', copy: 'c', link: 'l', symlink: 's', mkfifo: 'f', mknod: 'n', meta: 'm', skip: '-', delete: 'x' };
const SKIP = CODE.skip.charCodeAt(0);
const ACTION = Object.fromEntries(Object.entries(CODE).map(([a, c]) => [c, a])) as Record<string, Action>;

/** `types` are the walk's entry types of the batch: a record of that type needs no extra. */
export function encodeBatch(records: CopyRecord[], types: EntryType[]): BatchResult {
  let actions = '';
  let bytes: number[] | undefined;
  let changes: number[] | undefined;
  let extra: Extra[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    actions += CODE[r.action];
    if (r.bytes !== 0) (bytes ??= []).push(i, r.bytes);
    if (r.ok && r.changes !== undefined) {
      const bits = changeBits(r.changes);
      if (bits !== impliedChanges(r.action)) (changes ??= []).push(i, bits);
    }
    if (!r.ok || r.type !== types[i] || r.linkKey !== undefined) {
      const e: Extra = { i };
      if (r.type !== types[i]) e.type = r.type;
      if (r.error) e.error = r.error;
      if (r.linkKey !== undefined) e.linkKey = r.linkKey;
      (extra ??= []).push(e);
    }
  }
  const out: BatchResult = { actions };
  if (bytes) out.bytes = bytes;
  if (changes) out.changes = changes;
  if (extra) out.extra = extra;
  return out;
}

/** The batch's records again, given the paths and walk types of its entries. */
export function decodeBatch(b: BatchResult, paths: (i: number) => string, types: EntryType[]): CopyRecord[] {
  const out: CopyRecord[] = new Array(b.actions.length);
  for (let i = 0; i < b.actions.length; i++) out[i] = okRecord(paths(i), types[i], ACTION[b.actions[i]]);
  if (b.bytes) for (let k = 0; k < b.bytes.length; k += 2) out[b.bytes[k]].bytes = b.bytes[k + 1];
  if (b.changes) for (let k = 0; k < b.changes.length; k += 2) out[b.changes[k]].changes = changeList(b.changes[k + 1]);
  for (const e of b.extra ?? []) {
    const r = out[e.i];
    if (e.type) r.type = e.type;
    if (e.error) {
      r.ok = false;
      r.error = e.error;
      delete r.changes;
    }
    if (e.linkKey !== undefined) r.linkKey = e.linkKey;
  }
  return out;
}

/** Counts without records, for a run whose records nobody reads (no log, no hash, no callback). */
export function tallyBatch(b: BatchResult): { entries: number; skipped: number; bytes: number } {
  let skipped = 0;
  for (let i = 0; i < b.actions.length; i++) if (b.actions.charCodeAt(i) === SKIP) skipped++;
  let bytes = 0;
  if (b.bytes) for (let k = 1; k < b.bytes.length; k += 2) bytes += b.bytes[k];
  return { entries: b.actions.length, skipped, bytes };
}
