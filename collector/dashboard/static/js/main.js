// The page: ask for the key once, then fetch /usage and draw. DOM wiring only; the logic it calls
// lives in the small modules beside it, which Node's test runner imports.

import { AuthError, getJson, usagePath } from './api.js';
import { isoOf, pageRange, todayIn } from './dates.js';
import { forgetKey, loadKey, saveKey } from './keystore.js';
import { drawChart, loadChartLib, usageTable } from './render.js';
import { chartSeries, formatTokens, periodTotals, tableRows } from './usage.js';
import { loadCliproxy, showCosts } from './cliproxy-view.js';
import { loadWebCost, showWebCost } from './cost-view.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 60_000;
const page = { key: '', report: null, days: 30, Chart: undefined };

function setState(state, status = '') {
  document.body.dataset.state = state;
  $('status').textContent = status;
  $('key-panel').hidden = state !== 'key';
  $('content').hidden = state !== 'ready';
  $('load-error').hidden = state !== 'error';
  $('change-key').hidden = state === 'key' || !page.key;
}

function askForKey(message = '') {
  $('key-error').textContent = message;
  $('key-error').hidden = !message;
  $('cancel-key').hidden = !page.report || !page.key; // back to the page already loaded
  setState('key');
  $('key-input').focus();
}

async function load(key) {
  const browserToday = isoOf(new Date(Date.now() - new Date().getTimezoneOffset() * 60_000));
  const report = await getJson(usagePath(pageRange(browserToday)), key);
  page.Chart ??= await loadChartLib();
  return report;
}

function show() {
  const { report, days } = page;
  const today = todayIn(report.bucket_timezone);
  const totals = periodTotals(report, today);
  $('total-today').textContent = formatTokens(totals.today);
  $('total-week').textContent = formatTokens(totals.week);
  $('total-month').textContent = formatTokens(totals.month);
  const data = chartSeries(report, days, today);
  $('empty-note').hidden = data.series.length > 0;
  $('table').replaceChildren(usageTable(data, tableRows(data)));
  $('chart-box').hidden = !page.Chart;
  $('chart-note').hidden = Boolean(page.Chart);
  if (page.Chart) drawChart(page.Chart, $('chart'), data);
  else $('table-box').open = true;
  $('zone-note').textContent = `Days are counted in the collector's time zone, ${report.bucket_timezone}; today is ${today}.`;
  for (const button of document.querySelectorAll('[data-days]')) {
    button.setAttribute('aria-pressed', String(Number(button.dataset.days) === days));
  }
  showCosts(days, page.Chart);
  showWebCost(days, page.Chart);
}

async function refresh(key = page.key, { quiet = false } = {}) {
  if (!quiet) setState(document.body.dataset.state === 'ready' ? 'ready' : 'loading', 'Loading…');
  try {
    page.report = await load(key);
  } catch (err) {
    if (err instanceof AuthError) {
      forgetKey(localStorage);
      page.key = '';
      askForKey('The collector refused this key (401 unauthorized). Check API_KEY in its .env and enter it again.');
    } else {
      $('load-error-text').textContent = `Could not load usage: ${err.message}`;
      setState('error');
    }
    return;
  }
  page.key = key;
  saveKey(localStorage, key);
  setState('ready', `Updated ${new Date().toLocaleTimeString()}`);
  show();
  loadWebCost(key, page.report.bucket_timezone)
    .then(() => showWebCost(page.days, page.Chart))
    .catch((err) => console.warn('Cost view left out:', err.message));
  loadCliproxy(key)
    .then((on) => on && showCosts(page.days, page.Chart))
    .catch((err) => {
      $('cliproxy').hidden = true;
      console.warn('CLIProxy section left out:', err.message);
    });
}

function wire() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key-input').value.trim();
    $('key-input').value = '';
    if (key) refresh(key);
  });
  $('change-key').addEventListener('click', () => askForKey());
  $('cancel-key').addEventListener('click', () => setState('ready'));
  $('retry').addEventListener('click', () => refresh());
  for (const button of document.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => {
      page.days = Number(button.dataset.days);
      if (page.report) show();
    });
  }
  setInterval(() => {
    if (page.key && document.visibilityState === 'visible' && document.body.dataset.state === 'ready') {
      refresh(page.key, { quiet: true });
    }
  }, REFRESH_MS);
}

wire();
const stored = loadKey(localStorage);
if (stored) refresh(stored);
else askForKey();
