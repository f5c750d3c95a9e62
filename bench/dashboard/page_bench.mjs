// How soon the dashboard draws its chart: navigation start to the chart drawn (the page's
// `performance.mark('chart-drawn')`), in headless Chromium against a real collector on loopback seeded
// with 90 days x 8 sites. Target: median under 300 ms. A "cold" load is a new browser context (empty
// cache, as on a first visit); a "warm" one reloads the same tab (the browser's cache may answer); the
// "floor" is a bare page drawing the same data (FLOOR_HTML below), loaded cold, alternating with the page.
//
//   node bench/dashboard/page_bench.mjs [--loads 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from '../../collector/dashboard/build.mjs';
import { addDays, datesBetween } from '../../collector/dashboard/static/js/dates.js';
import { launchBrowser } from '../../collector/dashboard/test-browser/browser.mjs';
import { startCollector, writeHistory } from '../../collector/dashboard/test-browser/collector-process.mjs';

const KEY = 'bench-key';
const TARGET_MS = 300;
const SITES = ['chatgpt.com', 'claude.ai', 'gemini.google.com', 'chat.deepseek.com', 'grok.com',
  'www.perplexity.ai', 'copilot.microsoft.com', 'chat.mistral.ai'];
const loadsArg = process.argv.indexOf('--loads');
const LOADS = loadsArg > 0 ? Number(process.argv[loadsArg + 1]) : 20;

function seed(dir) {
  const today = new Date().toISOString().slice(0, 10);
  const rows = {};
  datesBetween(addDays(today, -90), addDays(today, -1)).forEach((day, i) => {
    rows[day] = Object.fromEntries(SITES.map((site, j) => [site, 1000 + ((i * 97 + j * 1031) % 50_000)]));
  });
  writeHistory(join(dir, 'snapshots'), rows);
}

/** Navigate with the key already stored; resolves to the page's own timings in ms from navigation start. */
async function timeLoad(page, url, reload) {
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => performance.getEntriesByName('chart-drawn').length > 0, null, { timeout: 10_000 });
  return page.evaluate(() => {
    const end = (part) => Math.max(0, ...performance.getEntriesByType('resource').filter((r) => r.name.includes(part)).map((r) => r.responseEnd));
    return { drawn: performance.getEntriesByName('chart-drawn')[0].startTime, usage: end('/usage?'), chart: end('chart.umd') };
  });
}

// The floor: a bare page on the same collector that asks for /usage and the chart code at once and
// draws the same bars with Chart.js's defaults: no key prompt, no modules, no cards, no table.
const FLOOR_HTML = `<!doctype html><html><head><meta charset="utf-8"></head><body>
<div style="height:22rem"><canvas id="chart"></canvas></div><script type="module">
const lib = new Promise((resolve) => {
  const script = Object.assign(document.createElement('script'), { src: '/dashboard/static/vendor/chart.umd.min.js', onload: resolve });
  document.head.append(script);
});
const today = new Date().toISOString().slice(0, 10);
const from = new Date(Date.now() - 89 * 86400000).toISOString().slice(0, 10);
const report = await (await fetch('/usage?from=' + from + '&to=' + today, { headers: { 'X-API-KEY': localStorage.getItem('llmUsageCollector.apiKey') } })).json();
await lib;
const datasets = report.hosts.map((label) => ({ label, data: report.rows.map((row) => row.hosts[label] ?? 0) }));
new Chart(document.getElementById('chart'), { type: 'bar', data: { labels: report.rows.map((row) => row.period), datasets },
  options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true } } } });
performance.mark('chart-drawn');
</script></body></html>`;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const p90 = (values) => [...values].sort((a, b) => a - b)[Math.ceil(0.9 * values.length) - 1];

async function main() {
  build();
  const dir = mkdtempSync(join(tmpdir(), 'page-bench-'));
  let collector;
  let browser;
  try {
    seed(dir);
    collector = await startCollector(dir, KEY);
    browser = await launchBrowser();
    const url = `${collector.url}/#days=90&group=day`;
    const withKey = (context) => context.addInitScript((key) => localStorage.setItem('llmUsageCollector.apiKey', key), KEY);
    const warmup = await browser.newContext();
    await withKey(warmup);
    await timeLoad(await warmup.newPage(), url, false); // the collector's first /usage reads and caches nothing, but imports settle
    await warmup.close();
    const floorUrl = `${collector.url}/bench-floor`;
    const cold = [];
    const floor = [];
    for (let i = 0; i < LOADS; i += 1) { // the page and the floor alternately, so both see the same load
      for (const [runs, target] of [[cold, url], [floor, floorUrl]]) {
        const context = await browser.newContext();
        await withKey(context);
        await context.route(floorUrl, (route) => route.fulfill({ contentType: 'text/html', body: FLOOR_HTML }));
        runs.push(await timeLoad(await context.newPage(), target, false));
        await context.close();
      }
    }
    const context = await browser.newContext();
    await withKey(context);
    const page = await context.newPage();
    await timeLoad(page, url, false);
    const warm = [];
    for (let i = 0; i < LOADS; i += 1) warm.push(await timeLoad(page, url, true));
    await context.close();

    console.log(`dashboard page, 90 days x ${SITES.length} sites, ${LOADS} loads each; ms from navigation start`);
    console.log(`${'load'.padEnd(6)} ${'chart drawn: median'.padStart(20)} ${'p90'.padStart(6)} ${'max'.padStart(6)} ${'/usage answered'.padStart(16)} ${'chart code in'.padStart(14)}`);
    let worst = 0;
    for (const [name, runs] of [['cold', cold], ['warm', warm], ['floor', floor]]) {
      const drawn = runs.map((r) => r.drawn);
      if (name !== 'floor') worst = Math.max(worst, median(drawn));
      const cols = [median(drawn), p90(drawn), Math.max(...drawn), median(runs.map((r) => r.usage)), median(runs.map((r) => r.chart))];
      console.log(`${name.padEnd(6)} ${cols[0].toFixed(1).padStart(20)} ${cols[1].toFixed(1).padStart(6)} ${cols[2].toFixed(1).padStart(6)} ${cols[3].toFixed(1).padStart(16)} ${cols[4].toFixed(1).padStart(14)}`);
    }
    console.log(`target: median chart drawn < ${TARGET_MS} ms: ${worst < TARGET_MS ? 'met' : 'MISSED'}`);
    return worst < TARGET_MS ? 0 : 1;
  } finally {
    await browser?.close();
    await collector?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
