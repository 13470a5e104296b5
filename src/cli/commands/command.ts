import type { Argv } from 'yargs';

/** One CLI command: its yargs definition and the library call it adapts. Returns the exit code. */
export interface Command {
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<any>;
  run: (args: Record<string, any>) => Promise<number>;
}
