import type { Command } from './command.js';
import { notBuilt } from './not-built.js';
import { scrapeCommand } from './scrape.js';
import { demoCommand } from './demo.js';
import { copyCommand } from './copy.js';

const placeholder = (name: string, command: string, describe: string): Command => ({
  command,
  describe,
  builder: (y) => y,
  run: async () => notBuilt(name),
});

export const commands: Command[] = [
  scrapeCommand,
  copyCommand,
  placeholder('compare', 'compare <job>', 'time each strategy on your workload and write a report'),
  demoCommand,
];
