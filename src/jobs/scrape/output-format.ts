/** The record formats scrape writes (kept apart so the CLI can list them without loading the writer). */
export type OutputFormat = 'jsonl' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jsonl', 'csv', 'json'];
