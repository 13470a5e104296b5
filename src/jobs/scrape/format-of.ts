/** Which format the records are written in: `--format`, else what the output file's extension says, else JSON Lines. */
import { extname } from 'node:path';
import { FanoutError } from '../../engine/errors.js';
import type { OutputFormat } from './output-format.js';

const BY_EXTENSION: Readonly<Record<string, OutputFormat>> = { '.csv': 'csv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/**
 * `file` is the output path (null: stdout). A format asked for that the extension contradicts is refused: a
 * `.csv` file holding JSON Lines would mislead whatever opens it next.
 */
export function outputFormat(file: string | null, asked: OutputFormat | undefined): OutputFormat {
  const ext = file === null ? '' : extname(file).toLowerCase();
  const implied = BY_EXTENSION[ext];
  if (asked !== undefined && implied !== undefined && asked !== implied) {
    throw new FanoutError('USAGE', `--format ${asked} contradicts -o ${file}, whose ${ext} extension means ${implied}: drop --format, or name the file for ${asked}`);
  }
  return asked ?? implied ?? 'jsonl';
}
