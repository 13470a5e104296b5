/** `fanout scrape <input>`: yargs options, validation, then the library call `scrape()`. */
import { resolve } from 'node:path';
import { readUserFile } from '../../util/user-file.js';
import { alsoFailed } from '../../util/first-failure.js';
import { errorReason } from '../../util/error-reason.js';
import type { ScrapeProgress, ScrapeSummary } from '../../jobs/scrape/scrape.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../jobs/scrape/output-format.js';
import type { ScrapeTaskOptions, Selector } from '../../jobs/scrape/record.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { poolChoice, withPoolOptions } from '../pool-options.js';
import { formatBytes, formatDuration, parseBytes, progressWanted, startProgress } from '../progress.js';
import { interruptSignal } from '../signals.js';
import { clusterNotices, clusterPreflight } from '../cluster-notices.js';
import { dashArg, noDash, notEmpty } from '../dash-arg.js';
import { numberOption, ranged, whole } from '../number-option.js';
import { refuseClosedStdin, refuseClosedStdout } from '../closed-stdio.js';
import { readerLeft } from '../stdout-writer.js';
import type { Command } from './command.js';

const DEFAULT_USER_AGENT = 'fanout/0.1 (+https://www.npmjs.com/package/fanout)';
/** The longest delay a Node timer holds (about 24.8 days); a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** An overlong timer would fire at once: --timeout 1e9 timed out every request. */
const SECONDS = ranged('seconds', 0, Math.floor(MAX_TIMER_MS / 1000), true);

export const scrapeCommand: Command = {
  command: 'scrape <input>',
  describe: 'fetch every URL in a list (file, .gz, CSV or - for stdin) and extract data from each page',
  builder: (y) =>
    withPoolOptions(y, 16)
      .positional('input', { type: 'string', describe: 'URL list: one URL per line, gzip or not; - reads stdin' })
      .option('output', { requiresArg: true, alias: 'o', type: 'string', coerce: notEmpty('-o', 'file'), describe: 'write records to FILE (- or none: stdout)' })
      .option('format', { choices: OUTPUT_FORMATS, describe: "record format (default: -o FILE's extension: .csv, .json, .jsonl/.ndjson; else jsonl)" })
      .option('column', { requiresArg: true, type: 'string', describe: 'input is CSV with a header row; NAME is the URL column' })
      .option('resume', { type: 'boolean', default: false, describe: 'with -o: skip what FILE already holds and append the rest' })
      .option('per-host', numberOption('--per-host', whole(1), { default: 8, describe: 'concurrent requests per origin' }))
      .option('rate', numberOption('--rate', ranged('starts per second', 0.001), { describe: 'request starts per second across all origins, retries included (default: no limit)' }))
      .option('rate-per-host', numberOption('--rate-per-host', ranged('starts per second', 0.001), { describe: 'request starts per second per origin (default: no limit)' }))
      .option('timeout', numberOption('--timeout', SECONDS, { default: 30, describe: 'seconds for a whole attempt, body included' }))
      .option('connect-timeout', numberOption('--connect-timeout', SECONDS, { default: 10, describe: 'seconds to connect' }))
      .option('idle-timeout', numberOption('--idle-timeout', SECONDS, { default: 15, describe: 'seconds without a byte before an attempt fails' }))
      .option('retries', numberOption('--retries', whole(0), { default: 2, describe: 'retries for network errors and 408/425/429/5xx' }))
      .option('max-retry-after', numberOption('--max-retry-after', SECONDS, { default: 60, describe: 'cap in seconds on a honoured Retry-After' }))
      .option('max-redirects', numberOption('--max-redirects', whole(0), { default: 10, describe: 'redirects followed per URL' }))
      .option('max-bytes', { requiresArg: true, type: 'string', default: '10M', describe: 'body limit after decompression (bytes, or K/M/G)' })
      .option('user-agent', { requiresArg: true, type: 'string', default: DEFAULT_USER_AGENT, describe: 'User-Agent header' })
      .option('header', { requiresArg: true, alias: 'H', type: 'string', array: true, default: [] as string[], describe: "extra request header 'Name: value' (repeatable)" })
      .option('method', { requiresArg: true, alias: 'X', type: 'string', describe: 'request method (default: POST with --data, else GET)' })
      .option('data', { requiresArg: true, type: 'string', conflicts: 'data-file', describe: 'send TEXT as the body of every request (application/x-www-form-urlencoded unless -H says otherwise); with --column, {{name}} is the row\'s field name' })
      .option('data-file', { requiresArg: true, type: 'string', coerce: noDash('--data-file', 'file'), describe: "send FILE's bytes as the body of every request" })
      .option('user', { requiresArg: true, alias: 'u', type: 'string', describe: "'user:password' for HTTP basic auth (never written to records)" })
      .option('cookie', { requiresArg: true, alias: 'b', type: 'string', coerce: noDash('--cookie', 'file', '', true), describe: "'NAME=VALUE; N2=V2' for every URL, or a cookie FILE to start from (curl's format); keeps cookies across the run" })
      .option('cookie-jar', { requiresArg: true, type: 'string', coerce: noDash('--cookie-jar', 'file'), describe: "write the run's cookies to FILE at the end (curl's format); keeps cookies across the run" })
      .option('proxy', { requiresArg: true, type: 'string', describe: 'send every request through this http(s):// proxy (NO_PROXY still honoured; default: HTTP_PROXY/HTTPS_PROXY)' })
      .option('insecure', { alias: 'k', type: 'boolean', default: false, describe: 'accept any TLS certificate (says so on stderr)' })
      .option('cacert', { requiresArg: true, type: 'string', coerce: noDash('--cacert', 'file'), describe: "trust FILE's certificates (PEM or DER: a private CA, a self-signed server) besides Node's own" })
      .option('respect-robots', { type: 'boolean', default: false, describe: 'obey robots.txt (Disallow, Crawl-delay); --no-respect-robots: do not' })
      .option('save', { requiresArg: true, type: 'string', coerce: noDash('--save', 'folder'), describe: 'save each body under DIR (path derived from the URL)' })
      .option('select', { requiresArg: true, type: 'string', array: true, default: [] as string[], describe: 'name=css: text of the first match into data.name' })
      .option('select-all', { requiresArg: true, type: 'string', array: true, default: [] as string[], describe: 'name=css: texts of all matches' })
      .option('attr', { requiresArg: true, type: 'string', array: true, default: [] as string[], describe: 'name=css@attribute: an attribute of the first match' })
      .option('links', { type: 'boolean', default: false, describe: "add 'links': absolute URLs of the page's <a href>s" })
      .option('progress', { type: 'boolean', describe: 'live progress line on stderr (default: on a terminal)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary, and no progress unless a later --progress asks for it' })
      .option('summary-json', { requiresArg: true, type: 'string', hidden: true, coerce: noDash('--summary-json', 'file'), describe: 'write the run summary as JSON to FILE (for compare)' }),
  async run(a) {
    // The job's modules (undici, parsers) load only now, not for `--help` or another command.
    const [{ scrape }, { checkSelectors }, { startRunMetrics, writeRunSummary }, { readCaFile }] = await Promise.all([
      import('../../jobs/scrape/scrape.js'),
      import('../../jobs/scrape/extract.js'),
      import('../../compare/run-summary.js'),
      import('../../jobs/scrape/tls-trust.js'),
    ]);
    const pool = poolChoice(a as never);
    const task = { ...taskOptions(a, checkSelectors), ...requestOptions(a), insecure: a.insecure as boolean, cacert: a.cacert ? readCaFile(a.cacert) : null };
    const output = dashArg(a.output as string | undefined);
    if (a.resume && (!output || output === '-')) throw new UsageError('--resume needs -o FILE');
    if (!output || output === '-') refuseClosedStdout('the records', 'give -o FILE');
    if (dashArg(a.input) === '-') refuseClosedStdin();
    const quiet = a.quiet as boolean;
    await clusterPreflight(pool, quiet);
    if (task.insecure) process.stderr.write('fanout: warning: --insecure: TLS certificates are not checked, so a machine between here and a server can read and change its pages\n');
    if (a.summaryJson) startRunMetrics();
    const interrupt = interruptSignal();
    const started = Date.now();
    let live: ScrapeProgress | null = null;
    const showProgress = progressWanted(a.progress, quiet);
    const cluster = clusterNotices(pool, quiet, showProgress);
    const line = startProgress(() => cluster.status() ?? progressText(live, started), showProgress);
    let summary: ScrapeSummary;
    try {
      summary = await scrape({
        input: dashArg(a.input),
        column: a.column,
        output: output === '-' ? null : (output ?? null),
        format: a.format as OutputFormat | undefined,
        resume: a.resume,
        ...pool,
        cluster: cluster.options,
        perHost: a.perHost,
        ratePerHost: a.ratePerHost,
        rate: a.rate,
        respectRobots: a.respectRobots,
        ...cookieFiles(a),
        task,
        signal: interrupt.signal,
        onProgress: showProgress ? (p) => (live = p) : undefined,
        hashResults: Boolean(a.summaryJson),
      });
    } catch (err) {
      // `fanout scrape … | head -1`: the reader has all it wants; not an error worth a line.
      // A failure after it (writing --cookie-jar) is still said: the reader's leaving decided the exit code.
      if ((!output || output === '-') && readerLeft(err)) {
        for (const later of alsoFailed(err)) process.stderr.write(`fanout: ${(later as Error & { code?: string }).code}: ${(later as Error).message}\n`);
        return EXIT.STDOUT_CLOSED;
      }
      throw err;
    } finally {
      line.stop();
      cluster.dispose();
      interrupt.dispose();
    }
    if (!quiet) process.stderr.write(summaryText(summary));
    if (a.summaryJson) {
      writeRunSummary(a.summaryJson, {
        items: summary.records, ok: summary.ok, failed: summary.failed, retries: summary.retries, bytes: summary.bytes, resultHash: summary.resultHash,
      });
    }
    if (summary.cancelled) return EXIT.INTERRUPTED;
    // The exit code is the finished file's: failures a resumed file already held count too.
    return summary.failed + summary.resumedFailed > 0 ? EXIT.SOME_FAILED : EXIT.OK;
  },
};

function taskOptions(a: Record<string, any>, checkSelectors: (s: Selector[]) => void): ScrapeTaskOptions {
  // The numbers were checked as they were parsed (numberOption); seconds become milliseconds here.
  const ms = (seconds: number) => Math.round(seconds * 1000);
  const maxBytes = parseBytes(a.maxBytes);
  if (!(maxBytes > 0)) throw new UsageError(`--max-bytes must be a size like 10485760 or 10M, got ${a.maxBytes}`);
  const headers: Record<string, string> = {};
  for (const h of a.header as string[]) {
    const at = h.indexOf(':');
    if (at <= 0) throw new UsageError(`-H wants 'Name: value', got '${h}'`);
    headers[h.slice(0, at).trim().toLowerCase()] = h.slice(at + 1).trim();
  }
  return {
    timeoutMs: ms(a.timeout),
    connectTimeoutMs: ms(a.connectTimeout),
    idleTimeoutMs: ms(a.idleTimeout),
    retries: a.retries,
    backoffMs: 250,
    maxRetryAfterMs: ms(a.maxRetryAfter),
    maxRedirects: a.maxRedirects,
    maxBytes,
    userAgent: a.userAgent,
    headers,
    selectors: selectors(a, checkSelectors),
    links: a.links,
    saveDir: a.save ? resolve(a.save) : null,
    connectionsPerOrigin: a.perHost,
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** As curl's -b: text with a '=' is cookies to send; anything else names a cookie file. */
function cookieIsText(a: Record<string, any>): boolean {
  return a.cookie !== undefined && String(a.cookie).includes('=');
}

/** -b's cookie FILE and --cookie-jar FILE. */
function cookieFiles(a: Record<string, any>): { cookieFile?: string; cookieJar?: string } {
  const file = a.cookie !== undefined && !cookieIsText(a) ? (a.cookie as string) : undefined;
  return { ...(file !== undefined ? { cookieFile: file } : {}), ...(a.cookieJar !== undefined ? { cookieJar: a.cookieJar as string } : {}) };
}

type RequestOptions = Pick<ScrapeTaskOptions, 'method' | 'data' | 'user' | 'proxy' | 'cookie' | 'cookies'>;

/** -X, --data/--data-file, -u, --proxy and -b/--cookie-jar, checked. */
function requestOptions(a: Record<string, any>): RequestOptions {
  const out: RequestOptions = {};
  // -b (text or file) or --cookie-jar keeps a jar.
  if (a.cookie !== undefined || a.cookieJar !== undefined) out.cookies = true;
  if (cookieIsText(a)) out.cookie = String(a.cookie).trim();
  if (a.method !== undefined) {
    if (!TOKEN.test(a.method) || /^connect$/i.test(a.method)) throw new UsageError(`-X wants an HTTP method such as GET, POST or PUT, got '${a.method}'`);
    out.method = a.method;
  }
  if (a.data !== undefined) out.data = a.data;
  if (a.dataFile !== undefined) {
    try {
      out.data = readUserFile(a.dataFile);
    } catch (err) {
      throw new UsageError(`--data-file ${a.dataFile}: cannot read it: ${errorReason(err)}`);
    }
  }
  if (a.user !== undefined) {
    if (!a.user.includes(':')) throw new UsageError("-u wants 'user:password'");
    out.user = a.user;
  }
  if (a.proxy !== undefined) {
    let proxy: URL | null = null;
    try {
      proxy = new URL(a.proxy);
    } catch {
      // said below
    }
    if (proxy?.protocol !== 'http:' && proxy?.protocol !== 'https:') throw new UsageError(`--proxy wants an http:// or https:// URL, got '${a.proxy}'`);
    out.proxy = proxy.href;
  }
  return out;
}

function selectors(a: Record<string, any>, checkSelectors: (s: Selector[]) => void): Selector[] {
  const out: Selector[] = [];
  const names = new Set<string>();
  const parse = (flag: string, spec: string, kind: Selector['kind']) => {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--${flag} wants name=css, got '${spec}'`);
    const name = spec.slice(0, eq).trim();
    let css = spec.slice(eq + 1).trim();
    let attr: string | undefined;
    if (kind === 'attr') {
      const at = css.lastIndexOf('@');
      if (at <= 0 || at === css.length - 1) throw new UsageError(`--attr wants name=css@attribute, got '${spec}'`);
      attr = css.slice(at + 1);
      css = css.slice(0, at);
    }
    if (names.has(name)) throw new UsageError(`selector name '${name}' is used twice`);
    names.add(name);
    out.push({ name, css, kind, ...(attr ? { attr } : {}) });
  };
  for (const s of a.select as string[]) parse('select', s, 'text');
  for (const s of a.selectAll as string[]) parse('select-all', s, 'all');
  for (const s of a.attr as string[]) parse('attr', s, 'attr');
  try {
    checkSelectors(out);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return out;
}

function progressText(p: ScrapeProgress | null, started: number): string {
  if (!p) return 'starting…';
  const elapsed = (Date.now() - started) / 1000;
  const rate = p.done / Math.max(elapsed, 0.001);
  const total = p.total ?? '?';
  const eta = p.total !== null && rate > 0 ? formatDuration(((p.total - p.done) / rate) * 1000) : '?';
  return `${p.done}/${total} urls  ${rate.toFixed(0)}/s  failed ${p.failed}  retries ${p.retries}  in flight ${p.inflight}  ETA ${eta}`;
}

function summaryText(s: ScrapeSummary): string {
  const classes = Object.entries(s.byStatusClass).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const codes = Object.entries(s.byErrorCode).map(([k, v]) => `${k} ${v}`).join(', ');
  const rate = s.records / Math.max(s.elapsedMs / 1000, 0.001);
  return [
    `${s.cancelled ? 'interrupted' : 'done'}: ${s.records} urls${s.resumed ? ` (+${s.resumed} from the resumed file, ${s.resumedFailed} of them failed)` : ''}, ${s.ok} ok, ${s.failed} failed${s.robotsRefused === null ? '' : ` (robots.txt refused ${s.robotsRefused})`} in ${formatDuration(s.elapsedMs)} (${rate.toFixed(0)} urls/s, ${formatBytes(s.bytes)})`,
    `  status: ${classes}${codes ? `; errors: ${codes}` : ''}; retries ${s.retries}; latency p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms`,
    '',
  ].join('\n');
}
