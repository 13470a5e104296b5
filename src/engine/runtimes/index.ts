import { asyncChannel } from './async-channel.js';
import type { Channel, Mode } from './channel.js';
import { processChannel } from './process-channel.js';
import { takePrestarted } from './prestart.js';
import { threadChannel } from './thread-channel.js';

/** What starts one worker of `mode` for a pool whose workers load `taskModule`: a pre-started one if it fits. */
export function spawnerFor(mode: Mode, taskModule: string): () => Channel {
  switch (mode) {
    case 'async':
      return asyncChannel;
    case 'threads':
      return () => takePrestarted(mode, taskModule) ?? threadChannel({ taskModule });
    case 'procs':
      return () => takePrestarted(mode, taskModule) ?? processChannel(taskModule);
  }
}
