#!/usr/bin/env bash
# Renders a compare report.html in Debian's headless Chromium, takes a screenshot to look at, and checks the
# rendered DOM: one time bar per strategy, and nothing fetched from outside the file.
#
#   scripts/check-report-html.sh [REPORT_HTML] [SCREENSHOT_PNG]
#
# Without REPORT_HTML it builds fanout and makes a sample report from the fake job (fixtures/fake-job.ts), with
# one strategy that drops an item so the flagged style is on the page too.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

report=${1:-}
shot=${2:-fanout-report-screenshot.png}

if [[ -z "$report" ]]; then
  npx tsc -p . >/dev/null 2>&1 || true # other people's type errors must not stop the build's output
  node --input-type=module - "$work/report" <<'JS'
import { runComparison } from './dist/src/compare/comparison.js';
import { expandStrategies } from './dist/src/compare/strategy.js';
import { writeReports } from './dist/src/compare/report/write.js';
const args = ['200', '--sleep-ms', 'async=250,threads:1=150,threads:2=90,procs=120', '--cpu-ms', '*=20', '--child-mb', '30', '--child-ms', '150', '--drop', 'procs:1'];
const c = await runComparison({
  command: process.execPath,
  args: ['dist/fixtures/fake-job.js', 'fake', ...args],
  strategies: expandStrategies(['async', 'threads', 'procs'], [1, 2]),
  runs: 5,
  warmup: 1,
  workload: { job: 'fake', args, description: 'sample: the fake job, 200 items, procs:1 drops one', notes: [] },
});
writeReports(c, process.argv[2]);
JS
  report="$work/report/report.html"
fi
[[ -f "$report" ]] || { echo "check-report-html: no such file: $report" >&2; exit 2; }

if ! command -v chromium >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then echo "check-report-html: chromium is missing (apt-get install -y chromium)" >&2; exit 2; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --user-data-dir="$work/profile")
url="file://$(realpath "$report")"
chromium "${flags[@]}" --window-size=1200,900 --screenshot="$(realpath -m "$shot")" "$url" 2>/dev/null
chromium "${flags[@]}" --dump-dom "$url" 2>/dev/null >"$work/dom.html"

json="$(dirname "$report")/report.json"
strategies=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).strategies.length)' "$json")
bars=$(grep -o 'class="bar time' "$work/dom.html" | wc -l)
external=$(grep -Eo '(src|href)="(https?:)?//[^"]*' "$work/dom.html" | wc -l || true)
status=0
if [[ "$bars" -ne "$strategies" ]]; then echo "FAIL: $bars time bars rendered for $strategies strategies"; status=1; fi
if [[ "$external" -ne 0 ]]; then echo "FAIL: the page references $external external resource(s)"; status=1; fi
[[ -s "$shot" ]] || { echo "FAIL: no screenshot was written"; status=1; }
[[ $status -eq 0 ]] && echo "ok: $bars time bars for $strategies strategies, no external resources; screenshot: $shot"
exit $status
