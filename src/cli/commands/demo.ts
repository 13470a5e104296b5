/** `fanout demo`: the offline demo; needs no arguments and no network (loopback servers only). */
import { EXIT } from '../exit-codes.js';
import { interruptSignal } from '../signals.js';
import type { Command } from './command.js';

export const demoCommand: Command = {
  command: 'demo',
  describe: 'scrape the embedded loopback demo site with each strategy (no network needed)',
  builder: (y) => y,
  async run() {
    const { runDemo } = await import('../../demo/demo.js');
    const interrupt = interruptSignal();
    try {
      const ok = await runDemo({ signal: interrupt.signal, out: process.stdout });
      return interrupt.signal.aborted ? EXIT.INTERRUPTED : ok ? EXIT.OK : EXIT.SOME_FAILED;
    } finally {
      interrupt.dispose();
    }
  },
};
