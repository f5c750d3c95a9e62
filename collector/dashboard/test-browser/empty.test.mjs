// A collector with nothing recorded, then stopped: the page says what to do in each case. The collector
// counts days in UTC+14 and the browser lives in UTC-11, so their dates always differ: the page must
// still show the collector's days.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { addDays, todayIn } from '../static/js/dates.js';
import { chromiumMissing as missing, launchBrowser } from './browser.mjs';
import { startCollector } from './collector-process.mjs';

const KEY = 'browser-test-key';
const WAIT = { timeout: 10_000 };
const COLLECTOR_ZONE = 'Pacific/Kiritimati'; // UTC+14
const BROWSER_ZONE = 'Pacific/Pago_Pago'; // UTC-11

describe('dashboard of an empty collector in another time zone, then stopped', { skip: missing, timeout: 30_000 }, () => {
  let dir;
  let collector;
  let browser;
  let shots;

  before(async () => {
    build();
    dir = mkdtempSync(join(tmpdir(), 'dashboard-empty-'));
    shots = process.env.DASHBOARD_SCREENSHOTS || join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    collector = await startCollector(dir, KEY, { BUCKET_TIMEZONE: COLLECTOR_ZONE });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('empty: whole-token y axis and a hint; then the collector\'s today; stopped: how to start it', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, timezoneId: BROWSER_ZONE });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${collector.url}/`, WAIT);
    await page.fill('#key-input', KEY);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('body[data-state=ready]', WAIT);

    assert.equal(await page.isVisible('#empty-note'), true);
    assert.match(await page.textContent('#empty-note'), /install the browser extension.*docs\/install\.md/s);
    assert.match(await page.textContent('#empty-note'), new RegExp(collector.url.replace(/[.:/]/g, '\\$&')));
    const ticks = await page.evaluate(() => globalThis.Chart.getChart(document.getElementById('chart')).scales.y.ticks.map((t) => t.value));
    assert.ok(ticks.length > 0 && ticks.every(Number.isInteger), `y ticks ${ticks}`);
    assert.equal(await page.textContent('#range-total'), '0');
    const today = todayIn(COLLECTOR_ZONE);
    assert.notEqual(today, todayIn(BROWSER_ZONE));
    assert.equal(await page.textContent('#range-dates'), `from ${addDays(today, -29)} to ${today}`);
    await page.screenshot({ path: join(shots, 'dashboard-empty.png'), fullPage: true });

    // A batch sent now lands on the collector's today, the last bar, and in the "today" card.
    const added = await fetch(`${collector.url}/add`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-KEY': KEY },
      body: JSON.stringify({ client_id: 'zones', seq: 1, deltas: { 'claude.ai': 1234 }, ts: Date.now() }),
    });
    assert.equal(added.status, 200);
    await page.click('[data-days="7"]');
    await page.waitForFunction(() => document.getElementById('range-total').textContent !== '0', null, WAIT);
    const bars = await page.evaluate(() => {
      const chart = globalThis.Chart.getChart(document.getElementById('chart'));
      return { labels: chart.data.labels, data: chart.data.datasets[0].data };
    });
    assert.equal(bars.labels.at(-1), today);
    assert.deepEqual(bars.data, [0, 0, 0, 0, 0, 0, 1234]);
    assert.equal(await page.getAttribute('#total-today', 'title'), '1,234 tokens');
    assert.equal(await page.isVisible('#empty-note'), false);

    await collector.stop(); // the page is loaded; its next request finds nobody
    await page.click('[data-days="30"]');
    await page.waitForSelector('#load-error', { state: 'visible', ...WAIT });
    const text = await page.textContent('#load-error');
    assert.match(text, new RegExp(`The collector at ${collector.url} is not answering`));
    assert.match(text, /start it with make run/i);
    assert.doesNotMatch(text, /^Could not load/);
    await page.screenshot({ path: join(shots, 'dashboard-unreachable.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
