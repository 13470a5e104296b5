import type { Command } from './command.js';
import { notBuilt } from './not-built.js';
import { scrapeCommand } from './scrape.js';
import { demoCommand } from './demo.js';

const placeholder = (name: string, command: string, describe: string): Command => ({
  command,
  describe,
  builder: (y) => y,
  run: async () => notBuilt(name),
});

export const commands: Command[] = [
  scrapeCommand,
  placeholder('copy', 'copy <src> <dst>', 'mirror a file tree, crash-safe, metadata kept'),
  placeholder('compare', 'compare <job>', 'time each strategy on your workload and write a report'),
  demoCommand,
];
