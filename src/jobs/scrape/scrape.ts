/**
 * The scrape job on the coordinator: reads the URL list, keys each URL by origin for the per-host limits,
 * runs the scrape task on the chosen runtime, and writes one record per URL line in input order.
 */
import { run, type Outcome, type RunStats } from '../../engine/coordinator.js';
import { taskModule } from '../tasks.js';
import { FanoutError } from '../../engine/errors.js';
import { isDiskStopCode } from '../../util/disk-stop.js';
import type { RunMode } from '../../engine/create-executor.js';
import type { ClusterOptions } from '../../cluster/queue-executor.js';
import { countInput, readInput, type InputItem } from './input.js';
import { openOutput, refuseInputAsOutput, type OutputFormat } from './output.js';
import { recordError } from './errors.js';
import { outputFormat } from './format-of.js';
import { failedReport, scrapeRecord, type ReceivedCookies, type ScrapeTaskOptions, type TaskReport } from './record.js';
import { checkResumedUrl, readResumeState, type ResumeState } from './resume.js';
import { publicUrl } from './public-url.js';
import { checkTemplateFields, parseDataTemplate } from './data-template.js';
import { prepareSaveDir, saveStopped } from './save-dir.js';
import { endSaveRun } from './save-temp.js';
import { ScrapeTally, type ScrapeTotals } from './tally.js';
import { closeAll } from '../../util/first-failure.js';
import { ReadCancelled } from '../../util/text-file.js';

const TASK = taskModule('scrape');

/**
 * How long past --timeout an attempt may still run (parsing, saving) before its worker is ended ('threads' and
 * 'procs'). Extraction is bounded (page-depth.ts), so only a defect or a page nobody foresaw gets there; in
 * 'async' nothing can interrupt a parse, and those bounds are the whole defence.
 */
const PARSE_GRACE_MS = 10_000;

export interface ScrapeOptions {
  /** A path, or '-' for stdin. */
  input: string;
  /** CSV input: the URL column's header name. Default: plain list, one URL per line. */
  column?: string;
  /** Output file; null writes to stdout. */
  output: string | null;
  /** Default: from the output file's extension (.csv, .json, .jsonl, .ndjson), else jsonl; one it contradicts is refused. */
  format?: OutputFormat;
  /** Skip what `output` already holds and append the rest. */
  resume: boolean;
  mode: RunMode;
  /** Mode 'cluster': where the queue is (see RunOptions.cluster). */
  cluster?: ClusterOptions;
  workers: number;
  concurrency: number;
  ordered: boolean;
  /** Concurrent requests per origin. */
  perHost: number;
  /** Request starts per second per origin; undefined for no limit. */
  ratePerHost?: number;
  /** Request starts per second across all origins, retries included; undefined for no limit. */
  rate?: number;
  respectRobots: boolean;
  /** -b FILE: cookies to start from, in the Netscape format curl writes; a missing file is an empty jar (as curl). Needs task.cookies. Default: none. */
  cookieFile?: string;
  /** --cookie-jar FILE: where the run's cookies are written at its end (Netscape format, whole or not at all). Needs task.cookies. Default: none. */
  cookieJar?: string;
  task: ScrapeTaskOptions;
  signal?: AbortSignal;
  /** Live counters for a progress line; when given, a file input is also counted for `total` (a second read). */
  onProgress?: (p: ScrapeProgress) => void;
  /** Compute `resultHash` (a hash of the ordered records without timings). Default: true. */
  hashResults?: boolean;
  /** For tests: stdin replacement. */
  stdin?: NodeJS.ReadableStream;
}

export interface ScrapeProgress {
  done: number;
  total: number | null;
  failed: number;
  retries: number;
  inflight: number;
}

export interface ScrapeSummary extends ScrapeTotals {
  cancelled: boolean;
  elapsedMs: number;
  /** Records already in the output file when resuming. */
  resumed: number;
  /** Of those, the ones that are not ok. */
  resumedFailed: number;
  /** URLs of this run that robots.txt refused (ROBOTS_DISALLOWED); null when robots.txt was not consulted. */
  robotsRefused: number | null;
}

interface Item extends InputItem {
  /** Position among all URL lines, resumed ones included. */
  n: number;
  disallowed?: boolean;
}

export async function scrape(options: ScrapeOptions): Promise<ScrapeSummary> {
  const started = performance.now();
  const o = { ...options, format: outputFormat(options.output, options.format) };
  await refuseInputAsOutput(o.input, o.output, o.stdin === undefined);
  // A --save folder that cannot be made is one error before the run, not a SAVE_FAILED on every record.
  const saveRun = o.task.saveDir !== null ? prepareSaveDir(o.task.saveDir) : undefined;
  try {
    return await scrapeWith(o, saveRun ? { ...o.task, saveRun } : o.task, started);
  } finally {
    if (saveRun) endSaveRun(saveRun);
  }
}

async function scrapeWith(o: ScrapeOptions & { format: OutputFormat }, task: ScrapeOptions['task'], started: number): Promise<ScrapeSummary> {
  const resume: ResumeState | null = o.resume && o.output ? await readResumeState(o.output, o.format) : null;
  let jar: Awaited<ReturnType<typeof openJar>> | null = null;
  try {
    if (task.cookies) jar = await openJar(o.cookieFile, o.cookieJar, { 'the input file': o.input, 'the -o file': o.output }, o.signal);
  } catch (err) {
    // Ctrl-C while -b's pipe had no writer: nothing was started, nothing is written (the jar neither).
    if (!(err instanceof ReadCancelled)) throw err;
    return { ...new ScrapeTally({ hash: false }).totals(), cancelled: true, elapsedMs: performance.now() - started, resumed: resume?.done.size ?? 0, resumedFailed: resume?.failed ?? 0, robotsRefused: null };
  }
  const inputOptions = { source: o.input, column: o.column, stdin: o.stdin as never };
  let columns: string[] | null = null;
  const source = readInput({ ...inputOptions, onColumns: (c) => (columns = c) });
  // Open the input before the output, so a missing input file is an error that leaves no empty output behind.
  const first = await source.next();
  // A --data template naming a field the CSV lacks is refused now, before any request: the header is read by now,
  // rows or none.
  if (typeof task.data === 'string') {
    try {
      checkTemplateFields(parseDataTemplate(task.data), o.column, columns);
    } catch (err) {
      await source.return(undefined);
      throw err;
    }
  }
  const tally = new ScrapeTally({ hash: o.hashResults ?? true });
  const progress: ScrapeProgress = { done: 0, total: null, failed: 0, retries: 0, inflight: 0 };
  if (o.onProgress) void countInput(inputOptions).then((n) => (progress.total = n), () => {});
  const sink = await openOutput({
    format: o.format,
    file: o.output,
    append: resume !== null,
    headerWritten: resume?.headerWritten,
    header: resume?.header,
    selectorNames: o.task.selectors.map((s) => s.name),
    links: o.task.links,
    save: o.task.saveDir !== null,
  }).catch(async (err: unknown) => {
    await source.return(undefined);
    throw err;
  });
  // undici loads in the coordinator only for robots.txt; the task loads its own copy where it runs.
  const gate = o.respectRobots ? await import('./robots-gate.js') : null;
  const robotsAgent = gate ? (await import('./agent.js')).createAgent(o.task, 2) : null;
  const robots = gate && robotsAgent ? new gate.RobotsGate(robotsAgent, o.task.userAgent, o.task.timeoutMs, o.task.maxRetryAfterMs) : null;

  async function* numbered(): AsyncGenerator<Item> {
    let n = 0;
    let skipped = 0;
    for (let r = first; !r.done; r = await source.next()) {
      const i = n++;
      if (resume?.done.has(i)) {
        checkResumedUrl(resume, o.output!, i, publicUrl(r.value.url));
        skipped++;
        continue;
      }
      yield { ...r.value, n: i };
    }
    if (resume && skipped < resume.done.size) {
      throw new FanoutError('RESUME_MISMATCH', `${o.output} holds records past the input's ${n} URLs: it was written for another input`);
    }
  }
  const items = gate && robots
    ? gate.mapAhead(numbered(), async (item) => ((await robots.allowed(item.url)) === false ? { ...item, disallowed: true } : item), 64)
    : numbered();

  const onResult = async (r: Outcome<Item, TaskReport>) => {
    // A full or read-only --save disk: the run stops here, its output a clean prefix that --resume continues.
    if (!r.ok && isDiskStopCode(r.error.code)) throw saveStopped({ code: r.error.code, message: r.error.message }, task.saveDir!, tally.records + (resume?.done.size ?? 0));
    // A failure the task could not report itself (its worker kept dying, or the task threw) is reported here.
    const report = r.ok ? r.value : failedReport(recordError(r.error), o.task);
    const record = scrapeRecord({ index: r.item.n, url: r.item.url, attempts: r.attempts, input: r.item.input }, report);
    tally.add(record);
    progress.done = tally.records + (resume?.done.size ?? 0);
    progress.failed = tally.failed;
    await sink.write(record);
  };
  let failure: { error: unknown } | null = null;
  try {
    const summary = await run<Item, TaskReport>({
      items,
      task: TASK,
      taskOptions: task,
      mode: o.mode,
      cluster: o.cluster,
      workers: o.workers,
      concurrency: o.concurrency,
      ordered: o.ordered,
      key: originKey,
      perKey: o.perHost,
      ratePerKey: o.ratePerHost,
      rate: o.rate,
      keyInterval: robots ? (key) => robots.crawlDelays.get(key) : undefined,
      // The jar stays here: each attempt is sent its site's cookies as it starts, and what it was set comes back.
      dispatchItem: jar ? (item) => ({ ...item, cookies: jar.forUrl(item.url) }) : undefined,
      onSettled: jar
        ? (_item, report) => {
            if (report.setCookies) jar.store(report.setCookies);
            delete report.setCookies;
          }
        : undefined,
      // A retried attempt's answers set cookies too (a 503 with Set-Cookie): kept, so its retry sends them.
      onRetry: jar ? (_item, carried) => jar.store(carried as ReceivedCookies) : undefined,
      taskTimeoutMs: o.task.timeoutMs + PARSE_GRACE_MS,
      signal: o.signal,
      onResult,
      onProgress: o.onProgress
        ? (s: Readonly<RunStats>) => {
            progress.inflight = s.inflight;
            progress.retries = s.retries;
            o.onProgress!(progress);
          }
        : undefined,
    });
    const totals = tally.totals();
    return {
      ...totals, cancelled: summary.cancelled, elapsedMs: performance.now() - started, resumed: resume?.done.size ?? 0, resumedFailed: resume?.failed ?? 0,
      robotsRefused: robots ? (totals.byErrorCode.ROBOTS_DISALLOWED ?? 0) : null,
    };
  } catch (error) {
    failure = { error };
  } finally {
    // Every closing step runs whatever failed: the first failure is thrown, a later one rides on it (first-failure.ts).
    await closeAll(failure, [
      () => sink.close(),
      robotsAgent && (() => robotsAgent.close()),
      !!jar && !!o.cookieJar && (async () => (await import('./cookie-jar-file.js')).writeCookieFile(o.cookieJar!, jar.all())),
    ]);
  }
  throw new Error('unreachable: the run returned or its failure was thrown');
}

/** The run's cookie jar, from -b FILE's cookies when given; tough-cookie loads only here. */
async function openJar(from: string | undefined, to: string | undefined, kept: Record<string, string | null>, signal?: AbortSignal) {
  const [{ RunCookies }, { readCookieFile }, { checkCookieFileWritable }] = await Promise.all([import('./cookie-jar.js'), import('./cookie-file.js'), import('./cookie-jar-file.js')]);
  if (to) checkCookieFileWritable(to, kept);
  return new RunCookies(from ? await readCookieFile(from, signal) : []);
}

/** The admission key: the URL's origin, so per-host limits apply; none for a line that is not a URL. */
function originKey(item: Item): string | undefined {
  try {
    const u = new URL(item.url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
