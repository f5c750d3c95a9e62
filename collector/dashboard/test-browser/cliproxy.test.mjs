// The dashboard's CLIProxy section in headless Chromium: a real collector polling a fake legacy
// CLIProxy, with two rate limits seeded. Skips like dashboard.test.mjs when Chromium is missing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { MODEL_COLOURS, SITE_COLOURS } from '../static/js/colours.js';
import { WAIT, enterKey, chromiumMissing as missing, launchBrowser, openDashboard } from './browser.mjs';
import { startCollector } from './collector-process.mjs';
import { MANAGEMENT_KEY, startFakeCliproxy } from './fake-cliproxy.mjs';

const KEY = 'browser-test-key';


const hoursAgo = (h) => new Date(Date.now() - h * 3_600_000).toISOString();
const REQUESTS = [
  { model: 'gpt-4o', timestamp: hoursAgo(0.5), input: 120_000, output: 3_000 },
  { model: 'gpt-4o', timestamp: hoursAgo(30), input: 50_000, output: 1_000 },
  { model: 'claude-sonnet-4-5', timestamp: hoursAgo(50), input: 20_000, output: 2_000 },
  { model: 'mystery-model-x', timestamp: hoursAgo(0.5), input: 1_000, output: 100 },
];
const LIMITS = [
  { name: 'GPT daily', model_pattern: 'gpt', reset_strategy: 'daily', token_limit: 1_000_000 },
  { model_pattern: 'claude', reset_strategy: 'rolling', window_minutes: 300, request_limit: 100 },
];

/** Poll until the collector has stored the fake's requests (bounded). */
async function waitForFirstPoll(url) {
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline) {
    const health = await (await fetch(`${url}/api/collector/health`)).json();
    if (health.cliproxy.last_result?.ok) return health;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the collector did not poll the fake CLIProxy within 8 s');
}

describe('dashboard CLIProxy section in headless Chromium', { skip: missing, timeout: 30_000 }, () => {
  let dir;
  let fake;
  let collector;
  let browser;

  before(async () => {
    build();
    dir = mkdtempSync(join(tmpdir(), 'dashboard-cliproxy-'));
    writeFileSync(join(dir, 'limits.json'), JSON.stringify(LIMITS));
    fake = await startFakeCliproxy(REQUESTS);
    collector = await startCollector(dir, KEY, {
      CLIPROXY_URL: fake.url, CLIPROXY_MANAGEMENT_KEY: MANAGEMENT_KEY, CLIPROXY_TIMEZONE: 'UTC',
      RATE_LIMITS_SEED_PATH: join(dir, 'limits.json'),
    });
    await waitForFirstPoll(collector.url);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await collector?.stop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows cost per model per day and a gauge per rate limit', async (t) => {
    const { context, page, errors } = await openDashboard(browser, collector.url);
    await enterKey(page, KEY);
    await page.waitForSelector('#cliproxy', { state: 'visible', ...WAIT });

    const costs = await page.evaluate(() => {
      const chart = globalThis.Chart.getChart(document.getElementById('cost-chart'));
      return chart.data.datasets.map((d) => ({ label: d.label, usd: d.data.reduce((a, b) => a + b, 0), colour: d.backgroundColor }));
    });
    for (const { label, colour } of costs) {
      assert.ok(MODEL_COLOURS.includes(colour), `${label} is drawn in ${colour}, not a model colour`);
      assert.ok(!Object.values(SITE_COLOURS).includes(colour), `${label} is drawn in a site's colour`);
    }
    assert.deepEqual(costs.map((c) => c.label), ['gpt-4o', 'claude-sonnet-4-5', 'mystery-model-x (unpriced)']);
    assert.ok(costs[0].usd > 0 && costs[1].usd > 0, JSON.stringify(costs));
    assert.equal(costs[2].usd, 0);
    const todayRow = await page.$$eval('#costs tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(todayRow[2], 'unpriced', 'an unpriced model is never shown as $0');

    // Only CLIProxy is priced: the cost view keeps its total and table but not a second copy of
    // the chart above.
    await page.waitForSelector('#webcost', { state: 'visible', ...WAIT });
    assert.equal(await page.textContent('#webcost-sole'),
      'Only CLIProxy usage is priced in these days: its cost chart is in the CLIProxy section.');
    assert.equal(await page.isHidden('#webcost-chart-box'), true);
    const cards = await page.$$eval('#webcost-totals .card', (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
    assert.equal(cards.length, 1);
    assert.match(cards[0], /^CLIProxy \$\d/);

    const gauges = await page.$$eval('#limits .gauge', (els) => els.map((g) => ({
      title: g.querySelector('strong').textContent,
      used: Number(g.querySelector('meter').value),
      reset: g.querySelector('.reset').textContent,
    })));
    assert.equal(gauges.length, 2);
    assert.equal(gauges[0].title, 'GPT daily');
    assert.ok(gauges[0].used >= 12 && gauges[0].used <= 13, `used ${gauges[0].used}%`); // 123,000 of 1,000,000
    assert.match(gauges[0].reset, /^resets in \d/);
    assert.deepEqual([gauges[1].title, gauges[1].reset], ['claude', 'rolling 5 h window']);

    const shots = process.env.DASHBOARD_SCREENSHOTS || join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'dashboard-cliproxy.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 }); // a phone
    await page.waitForFunction(() => globalThis.Chart.getChart(document.getElementById('cost-chart')).width < 390);
    await page.screenshot({ path: join(shots, 'dashboard-cliproxy-phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
    t.diagnostic(`screenshot in ${shots}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
