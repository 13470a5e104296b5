import { asyncChannel } from './async-channel.js';
import type { Channel, Mode } from './channel.js';
import { processChannel } from './process-channel.js';
import { takePrestarted } from './prestart.js';
import { threadChannel } from './thread-channel.js';

export function spawnerFor(mode: Mode): () => Channel {
  switch (mode) {
    case 'async':
      return asyncChannel;
    case 'threads':
      return () => takePrestarted(mode) ?? threadChannel();
    case 'procs':
      return () => takePrestarted(mode) ?? processChannel();
  }
}
