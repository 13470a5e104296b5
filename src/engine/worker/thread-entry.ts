/** Entry point of a worker thread. */
import { parentPort } from 'node:worker_threads';
import { TaskHost } from './task-host.js';
import type { ToWorker } from '../protocol.js';

if (!parentPort) throw new Error('thread-entry must run in a worker thread');
const port = parentPort;
const host = new TaskHost((msg) => port.postMessage(msg));
port.on('message', (msg: ToWorker) => host.handle(msg));
