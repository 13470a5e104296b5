/** Names the machine a benchmark ran on, so figures are only compared with figures from the same run. */
import { cpus, totalmem, release, platform } from 'node:os';

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`;
}

/** The benchmarks' median is compare's, so a bench figure and a `fanout compare` figure mean the same. */
export { median } from '../src/compare/stats.js';
