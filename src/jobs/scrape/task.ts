/**
 * The scrape task: what runs per URL wherever the mode puts it (the main loop, a worker thread, a child
 * process). One keep-alive agent per worker (agent.ts), one attempt per call. A failure worth retrying throws
 * RetryLater so the coordinator frees the slot while it waits (and, for 429 or a 503 with Retry-After, holds back
 * the whole origin); anything else becomes a report, which the coordinator makes into the URL's record. A
 * cancelled item throws: it must not be written.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FanoutError, RetryLater } from '../../engine/errors.js';
import { defineTask, type TaskContext } from '../../engine/task.js';
import { checkSelectors, type ExtractOptions } from './extract.js';
import { pageContent, pageReport, type SaveOutcome } from './page-record.js';
import { fetchPage, type FetchOptions, type FetchResult } from './fetch.js';
import { failedReport, type ScrapeItem, type ScrapeTaskOptions, type TaskReport } from './record.js';
import { backoffDelay, isRetryableError, isRetryableStatus, parseRetryAfter, pausesHost } from './retry-policy.js';
import { BodySaver } from './save.js';
import { isDiskStopCode } from '../../util/disk-stop.js';
import { createAgent, requestHeaders, requestMethod } from './agent.js';
import type { AttemptCookies } from './cookie-hops.js';
import { fieldEncoder, fillTemplate, parseDataTemplate, templateFields } from './data-template.js';

export default defineTask(async (options: ScrapeTaskOptions) => {
  checkSelectors(options.selectors);
  // tough-cookie loads only in a run that keeps cookies.
  const cookieHops = options.cookies ? await import('./cookie-hops.js') : null;
  const agent = createAgent(options);
  const saver = options.saveDir ? new BodySaver(options.saveDir, { run: options.saveRun }) : null;
  // After a full or read-only --save disk this worker fetches nothing more: every item throws the same error,
  // which stops the run at the first of them written (scrape.ts).
  let fatal: FanoutError | null = null;
  const extractOptions: ExtractOptions = { selectors: options.selectors, links: options.links };
  const headers = requestHeaders(options);
  // --data is a template when it names CSV fields ({{name}}): each URL's body is then filled from its row.
  const template = typeof options.data === 'string' ? parseDataTemplate(options.data) : null;
  const perRow = template !== null && templateFields(template).length > 0;
  const encode = fieldEncoder(headers['content-type']);
  const finalAttempt: FetchOptions = {
    timeoutMs: options.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    maxRedirects: options.maxRedirects,
    maxBytes: options.maxBytes,
    headers,
    method: requestMethod(options),
    body: template !== null && !perRow ? template.join('') : (options.data ?? null),
  };
  // While retries remain, a body that will be retried anyway is not worth reading.
  const earlierAttempt: FetchOptions = { ...finalAttempt, readBodyOf: (status) => !isRetryableStatus(status) };
  const attemptFor = (item: ScrapeItem, canRetry: boolean, cookies: AttemptCookies | undefined): FetchOptions => {
    const base = canRetry ? earlierAttempt : finalAttempt;
    if (!perRow && !cookies) return base;
    const attempt = perRow ? { ...base, body: fillTemplate(template, item.input ?? {}, encode) } : { ...base };
    if (cookies) attempt.cookies = cookies;
    return attempt;
  };

  const scrape = async (item: ScrapeItem, ctx: TaskContext): Promise<TaskReport> => {
    const started = performance.now();
    if (fatal) throw fatal;
    if (item.disallowed) {
      ctx.signal.throwIfAborted();
      return failedReport({ code: 'ROBOTS_DISALLOWED', message: 'robots.txt disallows this URL' }, options, Math.round(performance.now() - started));
    }
    const canRetry = ctx.attempt <= options.retries;
    const cookies = cookieHops ? new cookieHops.AttemptCookies(item.cookies) : undefined;
    const res = await fetchPage(item.url, attemptFor(item, canRetry, cookies), agent, ctx.signal);
    if (fatal) throw fatal;
    if (canRetry) retryIfWorthIt(res, ctx.attempt, cookies);
    // The request is over: its host's slot goes to the next URL now, not after parsing. Parsing then waits a
    // turn of the event loop, so the answers that arrived meanwhile on other sockets are read (and their slots
    // freed) first: a wave of answers no longer refills its hosts one parse at a time.
    ctx.releaseKey();
    if (res.body) await nextTurn();

    const content = pageContent(res, extractOptions);
    const saved = saver ? save(content.error === null ? res : null) : undefined;
    ctx.signal.throwIfAborted();
    const report: TaskReport = pageReport(res, content, saved, Math.round(performance.now() - started));
    if (cookies?.received.length) report.setCookies = cookies.received;
    return report;
  };

  /** Saves an ok page's body (null: nothing to save); a full or read-only disk stops this worker. */
  const save = (res: FetchResult | null): SaveOutcome => {
    if (!res?.body) return { savedAs: null, error: null };
    try {
      return { savedAs: saver!.saveSync(res.finalUrl!, res.body), error: null };
    } catch (err) {
      const e = err as FanoutError;
      if (isDiskStopCode(e.code)) {
        // This worker's other requests are cancelled at once: their pages could not be saved either.
        if (!fatal) void agent.destroy().catch(() => {});
        throw (fatal ??= e);
      }
      return { savedAs: null, error: { code: 'SAVE_FAILED', message: e.message } };
    }
  };

  /**
   * Throws RetryLater for a transient failure: backoff with jitter, or the server's Retry-After. The cookies its
   * answers set go with it to the coordinator's jar, as curl keeps them, so the retry sends them.
   */
  const retryIfWorthIt = (res: FetchResult, attempt: number, cookies: AttemptCookies | undefined): void => {
    const carry = cookies?.received.length ? cookies.received : undefined;
    if (res.error) {
      if (isRetryableError(res.error.code)) {
        throw new RetryLater(backoffDelay(attempt, options.backoffMs), { reason: `${res.error.code}: ${res.error.message}`, carry });
      }
      return;
    }
    if (res.status === null || !isRetryableStatus(res.status)) return;
    const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers?.['retry-after']) : null;
    const delay = retryAfter !== null ? Math.min(retryAfter, options.maxRetryAfterMs) : backoffDelay(attempt, options.backoffMs);
    throw new RetryLater(delay, { pauseKey: pausesHost(res.status, retryAfter), reason: `HTTP ${res.status}`, carry });
  };

  return Object.assign(scrape, {
    /** Closes idle keep-alive sockets; gives in-flight requests a second, then destroys what is left. */
    async close(): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000).unref()));
      await Promise.race([agent.close().catch(() => {}), grace]);
      clearTimeout(timer);
      await agent.destroy().catch(() => {});
      saver?.close();
    },
  });
});
