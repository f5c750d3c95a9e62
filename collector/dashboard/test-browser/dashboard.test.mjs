// The dashboard in real headless Chromium against a real collector seeded with 90 days of history, at
// desktop and phone width and in the dark scheme. Recipe: shared/browser-testing.md. Screenshots go to
// $DASHBOARD_SCREENSHOTS when it is set (kept, and named in the test output), else into the test's temp
// folder, which is removed at the end. Expected figures come from the seeded ledger, never from the page.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { build } from '../build.mjs';
import { addDays, datesBetween, mondayOf } from '../static/js/dates.js';
import { WAIT, enterKey, chromiumMissing as missing, launchBrowser, openDashboard } from './browser.mjs';
import { startCollector, writeHistory } from './collector-process.mjs';
import { contrast, hover, readChart, readColours } from './page-reads.mjs';

const KEY = 'browser-test-key';
const HOSTS = ['chatgpt.com', 'claude.ai', 'gemini.google.com'];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

const today = new Date().toISOString().slice(0, 10); // the collector buckets in UTC here
const seededDays = datesBetween(addDays(today, -90), addDays(today, -1));
const gapDays = new Set([seededDays[60], seededDays[85]]); // days with no use at all
const live = { [HOSTS[0]]: 4321, 'chat.mistral.ai': 99 };

/**
 * 90 days of history before today, with two empty days; deterministic counts. claude.ai leads the
 * last week and chatgpt.com the 90 days, so the order of the sites differs between ranges.
 */
function history() {
  const rows = {};
  seededDays.forEach((day, i) => {
    if (gapDays.has(day)) return;
    const claude = i >= 83 ? 20_000 + i : i % 3 ? 500 + 11 * i : 0;
    rows[day] = { [HOSTS[0]]: 1000 + 37 * i, [HOSTS[1]]: claude, [HOSTS[2]]: i % 5 ? 0 : 300 };
  });
  return rows;
}
const rows = history();
/** What the ledger says for one host over some days (the live batch counted today). */
const ledger = (host, days) => days.reduce((n, day) => n + (rows[day]?.[host] ?? 0) + (day === today ? live[host] ?? 0 : 0), 0);
const ALL_HOSTS = [...HOSTS, 'chat.mistral.ai'];

/** Errors other than the failed loads a test provokes on purpose (a 401, a missing file). */
const unexpected = (errors) => errors.filter((e) => !/Failed to load resource: .* (401|404)/.test(e));
const digits = (text) => Number(text.replace(/\D/g, ''));

describe('dashboard in headless Chromium', { skip: missing, timeout: 60_000 }, () => {
  let dir;
  let collector;
  let browser;
  let shots;

  before(async () => {
    build(); // the chart code, copied from the pinned npm package
    dir = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
    shots = process.env.DASHBOARD_SCREENSHOTS || join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    writeHistory(join(dir, 'snapshots'), rows);
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

  const openPage = (options = {}, hash = '') => openDashboard(browser, collector.url, { viewport: DESKTOP, ...options }, hash);

  /** Click a control and wait for the chart to show `labels` periods. */
  async function choose(page, selector, labels) {
    await page.click(selector);
    await page.waitForFunction((n) => globalThis.Chart.getChart(document.getElementById('chart'))?.data.labels.length === n, labels, WAIT);
  }

  test('desktop: every day drawn, totals equal the ledger, exact figures, the table fits', async (t) => {
    const { context, page, errors } = await openPage();
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    await choose(page, '[data-days="90"]', 90);
    const chart = await page.evaluate(readChart);

    const shown = datesBetween(addDays(today, -89), today);
    assert.deepEqual(chart.labels, shown);
    for (const [i, day] of shown.entries()) {
      const expected = day === today || (day in rows);
      assert.equal(chart.drawn[i], expected, `${day}: bar drawn ${chart.drawn[i]}, expected ${expected}`);
    }
    for (const host of ALL_HOSTS) {
      const data = chart.datasets.find((d) => d.label === host).data;
      assert.equal(data.reduce((a, b) => a + b, 0), ledger(host, shown), host);
    }
    const rangeTotal = ALL_HOSTS.reduce((n, host) => n + ledger(host, shown), 0);
    assert.equal(digits(await page.textContent('#range-total')), rangeTotal);
    const sites = await page.$$eval('#site-totals li', (lis) => lis.map((li) => [li.dataset.host, li.querySelector('.tokens').textContent]));
    assert.deepEqual(sites.map(([host, text]) => [host, digits(text)]),
      ALL_HOSTS.map((host) => [host, ledger(host, shown)]).sort((a, b) => b[1] - a[1]));
    assert.equal(await page.getAttribute('#total-today', 'title'), `${(4321 + 99).toLocaleString('en-US')} tokens`);

    // The tooltip of a day: only the sites used that day, exactly, and the day's total.
    const day = seededDays.findIndex((d, i) => i >= 60 && rows[d] && !rows[d][HOSTS[2]] && rows[d][HOSTS[1]]);
    const tip = await hover(page, shown.indexOf(seededDays[day]));
    const expectTip = [HOSTS[0], HOSTS[1]].map((h) => `${h}: ${rows[seededDays[day]][h].toLocaleString('en-US')}`);
    assert.deepEqual(tip.lines.sort(), expectTip.sort());
    assert.deepEqual(tip.footer, [`Total: ${(rows[seededDays[day]][HOSTS[0]] + rows[seededDays[day]][HOSTS[1]]).toLocaleString('en-US')}`]);

    // The table: period, then total, then the sites; it fits its box at 1,440 px.
    await page.click('#table-box summary');
    const table = await page.evaluate(() => {
      const wrap = document.getElementById('table');
      return { headers: [...wrap.querySelectorAll('thead th')].map((th) => th.textContent), scroll: wrap.scrollWidth, box: wrap.clientWidth };
    });
    assert.deepEqual(table.headers.slice(0, 2), ['date', 'total']);
    assert.ok(table.scroll <= table.box, `the table is ${table.scroll}px in a ${table.box}px box`);
    await page.screenshot({ path: join(shots, 'dashboard-desktop.png'), fullPage: true });
    t.diagnostic(`screenshots in ${shots}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('colours stay with their site across ranges, groupings and a custom range', async () => {
    const { context, page, errors } = await openPage({}, '#days=7&group=day');
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    const seen = [await page.evaluate(readColours)];
    assert.equal(seen[0].order[0], HOSTS[1], 'claude.ai leads the last week');
    await choose(page, '[data-days="90"]', 90);
    seen.push(await page.evaluate(readColours));
    assert.equal(seen[1].order[0], HOSTS[0], 'chatgpt.com leads the 90 days');
    const mondays = (days) => [...new Set(days.map(mondayOf))]; // a week is named by its Monday
    await choose(page, '[data-group="week"]', mondays(datesBetween(addDays(today, -89), today)).length);
    seen.push(await page.evaluate(readColours));
    await page.click('#custom-toggle');
    await page.fill('#from-input', seededDays[10]);
    await page.fill('#to-input', seededDays[40]);
    await page.click('#custom-range button[type=submit]');
    await page.waitForFunction((from) => location.hash.includes(`from=${from}`), seededDays[10], WAIT);
    await page.waitForFunction(() => document.getElementById('range-dates').textContent.startsWith('from 20'), null, WAIT);
    seen.push(await page.evaluate(readColours));
    for (const host of ALL_HOSTS) {
      const colours = new Set(seen.map((s) => s.colours[host]).filter(Boolean));
      assert.equal(colours.size, 1, `${host}: ${[...colours]}`);
    }
    assert.equal(new Set(Object.values(seen[1].colours)).size, Object.keys(seen[1].colours).length, 'two sites share a colour');

    // A week's bar holds that week's days: the custom range's weeks against the ledger.
    const weeks = await page.evaluate(readChart);
    const days = datesBetween(seededDays[10], seededDays[40]);
    assert.deepEqual(weeks.labels, mondays(days));
    for (const [i, monday] of weeks.labels.entries()) {
      const inWeek = days.filter((d) => mondayOf(d) === monday);
      const expected = ALL_HOSTS.reduce((n, host) => n + ledger(host, inWeek), 0);
      const drawn = weeks.datasets.reduce((n, d) => n + d.data[i], 0);
      assert.equal(drawn, expected, `week ${monday}`);
    }
    // A backwards custom range is refused before anything is fetched.
    await page.fill('#from-input', seededDays[40]);
    await page.fill('#to-input', seededDays[10]);
    await page.click('#custom-range button[type=submit]');
    assert.match(await page.textContent('#range-error'), /is after/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('Download CSV saves the data of the range shown, fetched with the key', async () => {
    const { context, page, errors } = await openPage({ acceptDownloads: true }, '#days=30&group=month');
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('#download-csv')]);
    const from = addDays(today, -29);
    assert.equal(download.suggestedFilename(), `usage_${from}_${today}_month.csv`);
    const [header, ...lines] = readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => l.split(','));
    assert.equal(header[0], 'period');
    const days = datesBetween(from, today);
    const months = [...new Set(days.map((d) => d.slice(0, 7)))];
    assert.deepEqual(lines.map((l) => l[0]), months);
    for (const [i, month] of months.entries()) {
      for (const host of ALL_HOSTS) {
        const column = header.indexOf(host);
        const expected = ledger(host, days.filter((d) => d.startsWith(month)));
        assert.equal(column >= 0 ? Number(lines[i][column]) : 0, expected, `${month} ${host}`);
      }
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('phone: nothing wider than the screen; the table scrolls inside its box', async () => {
    const { context, page, errors } = await openPage({ viewport: PHONE, isMobile: true, hasTouch: true }, '#days=30&group=day');
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    await page.click('#table-box summary');
    const sizes = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      wrap: document.getElementById('table').getBoundingClientRect().right,
      chart: globalThis.Chart.getChart(document.getElementById('chart')).width,
      // each button group on one row: the rows its buttons' tops fall on
      rows: [...document.querySelectorAll('#daily .range')].map((group) => new Set(
        [...group.querySelectorAll('button')].map((b) => Math.round(b.getBoundingClientRect().top))).size),
    }));
    assert.ok(sizes.page <= 0, `the page is ${sizes.page}px wider than a phone screen`);
    assert.deepEqual(sizes.rows, [1, 1], 'a group of range buttons wraps to a second row');
    assert.ok(sizes.wrap <= PHONE.width && sizes.chart < PHONE.width, JSON.stringify(sizes));
    await page.screenshot({ path: join(shots, 'dashboard-phone.png'), fullPage: true });

    await page.reload(WAIT); // the key was kept: no second prompt
    await page.waitForSelector('body[data-state=ready]', WAIT);
    await page.click('#change-key'); // and can be changed, or not
    await page.waitForSelector('#key-panel', { state: 'visible', ...WAIT });
    await page.click('#cancel-key');
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('dark scheme: axis, legend and grid text are legible', async () => {
    const { context, page, errors } = await openPage({ colorScheme: 'dark' }, '#days=90&group=week');
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    const colours = await page.evaluate(() => {
      const chart = globalThis.Chart.getChart(document.getElementById('chart'));
      return {
        background: getComputedStyle(document.body).backgroundColor,
        ticks: chart.options.scales.y.ticks.color,
        xTicks: chart.options.scales.x.ticks.color,
        grid: chart.options.scales.y.grid.color,
        legend: getComputedStyle(document.querySelector('#site-totals .host')).color,
      };
    });
    for (const name of ['ticks', 'xTicks', 'legend']) {
      const ratio = await contrast(page, colours[name], colours.background);
      assert.ok(ratio >= 4.5, `${name} ${colours[name]} on ${colours.background}: contrast ${ratio.toFixed(2)}`);
    }
    const grid = await contrast(page, colours.grid, colours.background);
    assert.ok(grid >= 1.5, `grid ${colours.grid}: contrast ${grid.toFixed(2)}`);
    await page.screenshot({ path: join(shots, 'dashboard-dark.png'), fullPage: true });

    // Switching the system scheme redraws with the other colours.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction((dark) => globalThis.Chart.getChart(document.getElementById('chart')).options.scales.y.ticks.color !== dark, colours.ticks, WAIT);
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
    assert.equal(await page.evaluate(() => localStorage.getItem('llmUsageCollector.apiKey')), null, 'a refused key must not be stored');
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.equal(await page.isVisible('#key-error'), false);
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  });

  test('without the chart code the page shows a table and how to build it', async () => {
    const { context, page, errors } = await openPage();
    await page.route('**/vendor/**', (route) => route.fulfill({ status: 404, body: '' }));
    await page.reload(WAIT); // the chart code is asked for at once: route it before the page starts
    await enterKey(page, KEY);
    await page.waitForSelector('body[data-state=ready]', WAIT);
    assert.equal(await page.isVisible('#chart-note'), true);
    assert.match(await page.textContent('#chart-note'), /npm run build/);
    assert.equal(await page.isVisible('#chart'), false);
    const days = await page.$$eval('#table tbody tr', (trs) => trs.map((tr) => tr.firstChild.textContent));
    assert.equal(days.length, 30);
    assert.equal(days[0], today);
    await page.screenshot({ path: join(shots, 'dashboard-no-chart.png'), fullPage: true });
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  });
});
