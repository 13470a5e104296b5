/**
 * A small RFC 4180 CSV reader and writer: quoted fields may hold commas, quotes ("") and newlines. The reader
 * is incremental (fed chunks), so a large spreadsheet streams.
 */
export class CsvReader {
  private field = '';
  private row: string[] = [];
  private quoted = false;
  private afterQuote = false;
  private pendingCR = false;

  /** Feeds a chunk; returns the rows it completed. */
  push(chunk: string): string[][] {
    const rows: string[][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (this.pendingCR) {
        this.pendingCR = false;
        if (ch === '\n') continue;
      }
      if (this.quoted) {
        if (ch === '"') {
          if (chunk[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === chunk.length) {
            // A quote at a chunk's end: a doubled quote may straddle chunks.
            this.quoted = false;
            this.afterQuote = true;
          } else {
            this.quoted = false;
          }
        } else this.field += ch;
        continue;
      }
      if (this.afterQuote) {
        this.afterQuote = false;
        if (ch === '"') {
          this.field += '"';
          this.quoted = true;
          continue;
        }
      }
      if (ch === '"' && this.field === '') this.quoted = true;
      else if (ch === ',') this.endField();
      else if (ch === '\n' || ch === '\r') {
        this.pendingCR = ch === '\r';
        this.endField();
        rows.push(this.row);
        this.row = [];
      } else this.field += ch;
    }
    return rows;
  }

  /** The last row, when the input does not end with a newline. */
  end(): string[][] {
    if (this.field === '' && this.row.length === 0) return [];
    this.endField();
    const row = this.row;
    this.row = [];
    return [row];
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
    this.afterQuote = false;
  }
}

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: unknown[]): string {
  return values.map(csvField).join(',') + '\n';
}
