// The dashboard in real headless Chromium against a real collector seeded with 90 days of history.
// Recipe: shared/browser-testing.md. Screenshots go to $DASHBOARD_SCREENSHOTS when it is set (kept, and
// named in the test output), else into the test's temp folder, which is removed at the end.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { addDays, datesBetween } from '../static/js/dates.js';
import { formatTokens } from '../static/js/usage.js';
import { chromiumMissing as missing, launchBrowser } from './browser.mjs';
import { startCollector, writeHistory } from './collector-process.mjs';

const KEY = 'browser-test-key';
const WAIT = { timeout: 10_000 };
const HOSTS = ['chatgpt.com', 'claude.ai', 'gemini.google.com'];


const today = new Date().toISOString().slice(0, 10); // the collector buckets in UTC here
const seededDays = datesBetween(addDays(today, -90), addDays(today, -1));
const gapDays = new Set([seededDays[60], seededDays[85]]); // days with no use at all

/** 90 days of history before today, with two empty days; deterministic counts. */
function history() {
  const rows = {};
  seededDays.forEach((day, i) => {
    if (gapDays.has(day)) return;
    rows[day] = { [HOSTS[0]]: 1000 + 37 * i, [HOSTS[1]]: i % 3 ? 500 + 11 * i : 0, [HOSTS[2]]: i % 5 ? 0 : 300 };
  });
  return rows;
}

/** Errors other than the failed loads a test provokes on purpose (a 401, a missing file). */
const unexpected = (errors) => errors.filter((e) => !/Failed to load resource: .* (401|404)/.test(e));

/** What the chart holds and whether each day has a drawn bar, read from the Chart.js instance. */
function readChart() {
  const chart = globalThis.Chart.getChart(document.getElementById('chart'));
  const metas = chart.getSortedVisibleDatasetMetas();
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
    drawn: chart.data.labels.map((_, i) => metas.some((m) => Math.abs(m.data[i].base - m.data[i].y) >= 1)),
    canvas: { width: chart.width, height: chart.height },
  };
}

describe('dashboard in headless Chromium', { skip: missing, timeout: 30_000 }, () => {
  let dir;
  let collector;
  let browser;
  let shots;
  const live = { [HOSTS[0]]: 4321, 'mistral.ai': 99 };

  before(async () => {
    build(); // the chart code, copied from the pinned npm package
    dir = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
    shots = process.env.DASHBOARD_SCREENSHOTS || join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    writeHistory(join(dir, 'snapshots'), history());
    collector = await startCollector(dir, KEY);
    const added = await fetch(`${collector.url}/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-KEY': KEY },
      body: JSON.stringify({ client_id: 'browser-test', seq: 1, deltas: live, ts: Date.now() }),
    });
    assert.equal(added.status, 200, await added.text());
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openPage(viewport = { width: 1100, height: 900 }) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(`console: ${msg.text()}`));
    await page.goto(`${collector.url}/`, WAIT);
    return { context, page, errors };
  }

  async function enterKey(page, key) {
    await page.waitForSelector('#key-input', { state: 'visible', ...WAIT });
    await page.fill('#key-input', key);
    await page.click('#key-form button[type=submit]');
  }

  test('draws a bar for every seeded day, and the totals', async (t) => {
    const { context, page, errors } = await openPage();
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    await page.click('[data-days="90"]');
    const chart = await page.evaluate(readChart);

    const shown = datesBetween(addDays(today, -89), today);
    assert.deepEqual(chart.labels, shown);
    const rows = history();
    for (const [i, day] of shown.entries()) {
      const expected = day === today || (day in rows);
      assert.equal(chart.drawn[i], expected, `${day}: bar drawn ${chart.drawn[i]}, expected ${expected}`);
    }
    const sumOf = (label) => chart.datasets.find((d) => d.label === label).data.reduce((a, b) => a + b, 0);
    const seededSum = (host) => shown.reduce((n, day) => n + (rows[day]?.[host] ?? 0), 0);
    assert.equal(sumOf(HOSTS[0]), seededSum(HOSTS[0]) + live[HOSTS[0]]);
    assert.equal(sumOf(HOSTS[1]), seededSum(HOSTS[1]));
    assert.equal(sumOf('mistral.ai'), live['mistral.ai']);
    assert.equal(await page.textContent('#total-today'), formatTokens(4321 + 99));
    assert.ok(chart.canvas.width > 500 && chart.canvas.height > 200, JSON.stringify(chart.canvas));
    assert.equal(await page.isVisible('#cliproxy'), false, 'the CLIProxy source is off here');

    await page.screenshot({ path: join(shots, 'dashboard-90-days.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 }); // a phone
    await page.click('[data-days="30"]');
    await page.waitForFunction(() => globalThis.Chart.getChart(document.getElementById('chart')).data.labels.length === 30);
    await page.screenshot({ path: join(shots, 'dashboard-phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
    t.diagnostic(`screenshots in ${shots}`);

    await page.reload(WAIT); // the key was kept: no second prompt
    await page.waitForSelector('body[data-state=ready]', WAIT);
    await page.click('#change-key'); // and can be changed, or not
    await page.waitForSelector('#key-panel', { state: 'visible', ...WAIT });
    await page.click('#cancel-key');
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a wrong key shows an error and can be re-entered', async () => {
    const { context, page, errors } = await openPage();
    await enterKey(page, 'not-the-key');
    await page.waitForSelector('#key-error', { state: 'visible', ...WAIT });
    assert.match(await page.textContent('#key-error'), /refused this key/);
    assert.equal(await page.getAttribute('body', 'data-state'), 'key');
    assert.equal(await page.isVisible('#content'), false);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'a refused key must not be stored');
    await page.screenshot({ path: join(shots, 'dashboard-wrong-key.png') });

    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.equal(await page.isVisible('#key-error'), false);
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  });

  test('without the chart code the page shows a table and how to build it', async () => {
    const { context, page, errors } = await openPage();
    await page.route('**/vendor/**', (route) => route.fulfill({ status: 404, body: '' }));
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.equal(await page.isVisible('#chart-note'), true);
    assert.match(await page.textContent('#chart-note'), /npm run build/);
    assert.equal(await page.isVisible('#chart'), false);
    const rows = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => tr.firstChild.textContent));
    assert.equal(rows.length, 30);
    assert.equal(rows[0], today);
    await page.screenshot({ path: join(shots, 'dashboard-no-chart.png'), fullPage: true });
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  });
});
