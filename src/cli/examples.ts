/**
 * Examples for a command's --help, each as a `# what it does` line above the command line, both at the left
 * margin: yargs' own two-column layout caps the command column at half the width and splits a longer command
 * mid-line, at 80 columns and at 200 alike. Keep each command under 76 characters so it fits an 80-column terminal.
 */
import type { Argv } from 'yargs';

export function withExamples<T>(y: Argv<T>, examples: readonly [command: string, what: string][]): Argv<T> {
  for (const [command, what] of examples) y = y.example(`# ${what}`, '').example(command, '');
  return y;
}
