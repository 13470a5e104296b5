/**
 * The workers' CommonJS bundle (dist/bundle/worker.cjs, run by cached-boot.ts): the thread and process entries
 * with the jobs' task modules in the same file, so that V8's code cache covers a worker's whole start-up, the
 * task module included (a worker of the bundled CLI always runs one of fanout's jobs; another module is still
 * imported by URL).
 */
import { isMainThread } from 'node:worker_threads';
import { taskModule } from '../../jobs/tasks.js';
import { holdModule } from './held-modules.js';

holdModule(taskModule('scrape'), () => import('../../jobs/scrape/task.js'));
holdModule(taskModule('copy'), () => import('../../jobs/copy/task.js'));
void (isMainThread ? import('./process-entry.js') : import('./thread-entry.js'));
