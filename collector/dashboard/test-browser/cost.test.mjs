// The dashboard's cost view in headless Chromium: a real collector with SUBSCRIPTIONS, history by
// model in snapshots_models.csv and a live batch with the usage detail and an unparsed reply.
// Expected costs are worked by hand from list prices (USD per million tokens): gpt-5 1.25 in /
// 10 out, claude-sonnet-4-5 3 in / 15 out. Skips like dashboard.test.mjs when Chromium is missing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { addDays, isoOf } from '../static/js/dates.js';
import { WAIT, enterKey, chromiumMissing as missing, launchBrowser, openDashboard } from './browser.mjs';
import { startCollector } from './collector-process.mjs';

const KEY = 'cost-view-test-key';
const today = isoOf(new Date());
const yesterday = addDays(today, -1);

describe('dashboard cost view in headless Chromium', { skip: missing, timeout: 30_000 }, () => {
  let dir;
  let collector;
  let browser;

  before(async () => {
    build();
    dir = mkdtempSync(join(tmpdir(), 'dashboard-cost-'));
    mkdirSync(join(dir, 'snapshots'));
    // yesterday: gpt-5, (1M input + 1M context) x 1.25 + 0.1M output x 10 = $3.50
    writeFileSync(join(dir, 'snapshots', 'snapshots_models.csv'),
      `date,host,model,input,output,context,turns\n${yesterday},chatgpt.com,gpt-5,1000000,100000,1000000,4\n`);
    collector = await startCollector(dir, KEY, { SUBSCRIPTIONS: 'chatgpt.com:20' });
    // today: claude-sonnet-4-5, (20k + 80k) x 3 + 10k x 15 per million = $0.45; one reply unread
    const added = await fetch(`${collector.url}/add`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-KEY': KEY },
      body: JSON.stringify({
        client_id: 'cost-test', seq: 1, ts: Date.now(), deltas: { 'claude.ai': 30_000 },
        usage: [{ host: 'claude.ai', model: 'claude-sonnet-4-5-20250929', input: 20_000, output: 10_000, context: 80_000, turns: 3 }],
        unparsed: { 'chatgpt.com': 2 },
      }),
    });
    assert.equal(added.status, 200, await added.text());
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows cost per site and model per day, the total, the subscription and the alarm', async () => {
    const { context, page, errors } = await openDashboard(browser, collector.url);
    await enterKey(page, KEY);
    await page.waitForSelector('#webcost', { state: 'visible', ...WAIT });

    assert.equal((await page.textContent('#unparsed-alarm')).trim(),
      'ChatGPT: 2 replies could not be read today; the site may have changed.');
    const cards = await page.$$eval('#webcost-totals .card', (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
    assert.deepEqual(cards, ['Web chats $3.95']);
    const subs = await page.$$eval('#subscriptions li', (els) => els.map((e) => e.textContent));
    const month = new Date(`${yesterday}T12:00:00Z`).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
    assert.deepEqual(subs, [`ChatGPT, ${month}: $3.50 at API prices; you pay $20`]);

    const chart = await page.evaluate(() => {
      const c = globalThis.Chart.getChart(document.getElementById('webcost-chart'));
      return c.data.datasets.map((d) => ({ label: d.label, usd: d.data.reduce((a, b) => a + b, 0) }));
    });
    assert.deepEqual(chart.map((d) => d.label), ['ChatGPT · gpt-5', 'Claude · claude-sonnet-4-5-20250929']);
    assert.ok(Math.abs(chart[0].usd - 3.5) < 1e-9 && Math.abs(chart[1].usd - 0.45) < 1e-9, JSON.stringify(chart));

    await page.click('#webcost-table-box summary');
    const rows = await page.$$eval('#webcost-table-box tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows[0], [today, 'claude-sonnet-4-5-20250929', '20,000', '10,000', '80,000', '$0.45']);
    assert.deepEqual(rows[1], [yesterday, 'gpt-5', '1,000,000', '100,000', '1,000,000', '$3.50']);
    if (process.env.DASHBOARD_SCREENSHOTS) {
      await page.screenshot({ path: join(process.env.DASHBOARD_SCREENSHOTS, 'cost-view.png'), fullPage: true });
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
});
