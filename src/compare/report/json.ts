/** report.json: the whole comparison, every raw sample included (non-finite numbers become null). */
import type { Comparison } from '../model.js';

export function renderJson(c: Comparison): string {
  return JSON.stringify(c, null, 2) + '\n';
}
