import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { copyCommand } from './copy.js';
import { demoCommand } from './demo.js';
import { scrapeCommand } from './scrape.js';
import { workerCommand } from './worker.js';

export const commands: Command[] = [scrapeCommand, copyCommand, compareCommand, demoCommand, workerCommand];
