/**
 * An option that takes one value, given twice (`-o a.jsonl -o b.jsonl`, a default in an alias plus the real one),
 * counts the last time, as for most tools; yargs would hand the command an array ("cannot write a.jsonl,b.jsonl:
 * Received an instance of Array"). Options declared as arrays (-H, --exclude) keep every value.
 */
export function lastWins(argv: Record<string, unknown>, arrays: readonly string[], aliases: Record<string, string[]>): void {
  // Each array under every name yargs sets it by: its aliases (-H) and their camelCase twins (selectAll).
  const names = arrays.flatMap((a) => [a, ...(aliases[a] ?? [])]);
  const keep = new Set([...names, ...names.map(camel)]);
  for (const key of Object.keys(argv)) {
    const value = argv[key];
    if (key === '_' || key === '--' || keep.has(key) || !Array.isArray(value) || value.length === 0) continue;
    argv[key] = value[value.length - 1];
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `-q` (no progress, no summary) and `--progress` say opposite things about progress: the one given last decides,
 * as for an option given twice (`--progress -q` is quiet; `-q --progress` shows progress, still without a summary).
 * `args` are the words as typed; yargs keeps no order.
 */
export function quietOrProgress(argv: Record<string, unknown>, args: readonly string[]): void {
  if (argv.quiet !== true || argv.progress !== true) return;
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  const words = args.slice(0, end);
  const last = (test: (word: string) => boolean) => words.findLastIndex(test);
  if (last(isQuiet) > last((w) => /^--progress(=|$)/.test(w))) argv.progress = false;
}

/** `--quiet`, `-q`, or `q` among grouped short flags (`-nq`). */
function isQuiet(word: string): boolean {
  return /^--quiet(=|$)/.test(word) || /^-[a-zA-Z]*q[a-zA-Z]*$/.test(word);
}
