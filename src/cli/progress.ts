/**
 * Progress on stderr: on a terminal, one status line redrawn a few times a second; anywhere else (a pipe, a log
 * file), when asked for with --progress, a plain line per interval and a last one at the end: no carriage
 * returns or escape codes, which a log would keep as garbage.
 */
export interface ProgressLine {
  stop(): void;
}

/** Time between two lines in a log (ms): a redraw rate would flood it. */
const LOG_INTERVAL_MS = 1000;

export function startProgress(render: () => string, enabled: boolean, intervalMs = 250, tty = process.stderr.isTTY === true): ProgressLine {
  if (!enabled) return { stop() {} };
  const draw = tty ? () => process.stderr.write(`\r\x1b[K${render()}`) : () => process.stderr.write(`${render()}\n`);
  const timer = setInterval(draw, tty ? intervalMs : Math.max(intervalMs, LOG_INTERVAL_MS));
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[K');
      else draw();
    },
  };
}

/** Whether to show progress: --progress / --no-progress, else only when stderr is a terminal and not --quiet. */
export function progressWanted(flag: boolean | undefined, quiet: boolean): boolean {
  if (flag !== undefined) return flag;
  return !quiet && process.stderr.isTTY === true;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Parses a byte size: a number of bytes, or with a K, M or G suffix (binary: 10M = 10 MiB). */
export function parseBytes(text: string | number): number {
  if (typeof text === 'number') return text;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(text);
  if (!m) return NaN;
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, b: 1 }[(m[2] ?? 'b')[0]!.toLowerCase() as 'k' | 'm' | 'g' | 'b'];
  return Math.round(Number(m[1]) * mult);
}
