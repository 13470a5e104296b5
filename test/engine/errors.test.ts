import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  deserializeError, FanoutError, isFanoutError, isRetryLater, RetryLater, serializeError, serializedError,
} from '../../src/engine/errors.js';
import { ALL_MODES, builtFixture, collect } from './support.js';

// Another copy of fanout's errors module, loaded from elsewhere on disk: its classes are not ours.
const BUILT = new URL('../../dist/src/engine/errors.js', import.meta.url);
let dir: string;
let errorsUrl: string;
let foreign: typeof import('../../src/engine/errors.js');
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fanout other copy '));
  writeFileSync(join(dir, 'errors.js'), readFileSync(BUILT, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, ''));
  errorsUrl = pathToFileURL(join(dir, 'errors.js')).href;
  foreign = await import(errorsUrl);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FanoutError and RetryLater', () => {
  it('are known when another copy of fanout made them, by isFanoutError, instanceof and isRetryLater', () => {
    const err = new foreign.FanoutError('SOME_CODE', 'from the other copy');
    expect(foreign.FanoutError).not.toBe(FanoutError);
    expect(isFanoutError(err)).toBe(true);
    expect(err instanceof FanoutError).toBe(true);
    expect(isRetryLater(new foreign.RetryLater(10))).toBe(true);
  });

  it('are not mistaken for errors that only share their name or fields', () => {
    const lookalike = Object.assign(new Error('retry'), { name: 'RetryLater', delayMs: 5, pauseKey: false });
    expect(isRetryLater(lookalike)).toBe(false);
    const coded = Object.assign(new Error('no space'), { name: 'FanoutError', code: 'NO_SPACE' });
    expect(isFanoutError(coded)).toBe(false);
    expect(coded instanceof FanoutError).toBe(false);
    expect(isFanoutError(null)).toBe(false);
    expect(isRetryLater(new FanoutError('X', 'y'))).toBe(false);
  });

  it('keep the usual instanceof for a subclass', () => {
    class MyError extends FanoutError {}
    expect(new MyError('MINE', 'm') instanceof MyError).toBe(true);
    expect(new MyError('MINE', 'm') instanceof FanoutError).toBe(true);
    expect(new FanoutError('X', 'y') instanceof MyError).toBe(false);
  });

  it('cross a boundary as name, code and message, and come back as a FanoutError', () => {
    expect(serializedError('TIMEOUT', 'too slow')).toEqual({ name: 'FanoutError', code: 'TIMEOUT', message: 'too slow' });
    expect(serializeError(new TypeError('x is undefined'))).toEqual({ name: 'TypeError', code: 'TASK_FAILED', message: 'x is undefined' });
    const back = deserializeError(structuredClone(serializeError(new FanoutError('VANISHED', 'gone'))));
    expect(isFanoutError(back)).toBe(true);
    expect([back.name, back.code, back.message]).toEqual(['FanoutError', 'VANISHED', 'gone']);
  });
});

describe.each(ALL_MODES)('a task whose errors come from another copy of fanout, in %s mode', (mode) => {
  it('is run again when it throws that copy\'s RetryLater, and fails with the code of that copy\'s FanoutError', async () => {
    const { results } = await collect<string, string>({
      items: ['retry', 'fail', 'plain'], task: builtFixture('tasks/foreign-errors-task.js'), taskOptions: { errorsUrl }, mode,
    });
    expect(results.map((r) => (r.ok ? r.value : r.error))).toEqual([
      'retry:2',
      { name: 'FanoutError', code: 'FOREIGN_CODE', message: 'a foreign FanoutError' },
      'plain:1',
    ]);
  });
});
