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
