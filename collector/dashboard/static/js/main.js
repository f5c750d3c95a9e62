// The page: ask for the key once, then fetch /usage and draw. DOM wiring and the page's states only;
// each section lives in its own module (usage-view.js, cliproxy-view.js), the logic in the small
// modules beside them, which Node's test runner imports.

import { AuthError, NetworkError, getJson, usagePath } from './api.js';
import { todayIn } from './dates.js';
import { downloadCsv } from './download.js';
import { forgetKey, loadKey, loadZone, saveKey, saveZone } from './keystore.js';
import { loadChartLib } from './render.js';
import { cardsRange, hashOfView, resolveView, viewFromHash } from './range.js';
import { chartTheme, onSchemeChange } from './theme.js';
import { markView, showRangeError, showUsage, wireControls } from './usage-view.js';
import { loadCliproxy, showCosts } from './cliproxy-view.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 60_000;
// The chart code is asked for at once, beside the key prompt and /usage, never after them.
const chartLib = loadChartLib();
const page = { key: '', shown: null, view: viewFromHash(location.hash), zone: '', Chart: undefined };

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
  $('cancel-key').hidden = !page.shown || !page.key; // back to the page already loaded
  setState('key');
  $('key-input').focus();
}

/**
 * Both answers the page needs, asked at once: the chosen range and the days of the cards. "Today" is
 * the collector's (its zone is remembered from the last answer); when the guess was another day, ask again.
 */
async function load(key) {
  const zone = page.zone || loadZone(localStorage) || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const ask = (today) => {
    const range = resolveView(page.view, today);
    return Promise.all([getJson(usagePath(range), key), getJson(usagePath(cardsRange(today)), key)])
      .then(([report, cards]) => ({ report, cards, range, today }));
  };
  let answer = await ask(todayIn(zone));
  const realZone = answer.report.bucket_timezone;
  if (realZone !== zone) {
    saveZone(localStorage, realZone);
    if (todayIn(realZone) !== answer.today) answer = await ask(todayIn(realZone));
  }
  page.zone = realZone;
  page.Chart ??= await chartLib;
  return answer;
}

function show() {
  const drawn = showUsage({ ...page.shown, Chart: page.Chart, theme: chartTheme() });
  markView(page.view);
  showCosts(page.shown.range, page.Chart, chartTheme());
  if (page.Chart) performance.mark('chart-drawn', { detail: { series: drawn.series.length } });
}

function showLoadError(err) {
  const unreachable = err instanceof NetworkError;
  $('load-error-text').textContent = unreachable
    ? `The collector at ${location.origin} is not answering (${err.message}).`
    : `Could not load usage: ${err.message}`;
  const hint = $('load-error-hint');
  hint.hidden = !unreachable;
  if (unreachable) {
    hint.replaceChildren('Start it with ', Object.assign(document.createElement('code'), { textContent: 'make run' }),
      ' in the project folder, then try again.');
  }
  setState('error');
}

async function refresh(key = page.key, { quiet = false } = {}) {
  if (!quiet) setState(document.body.dataset.state === 'ready' ? 'ready' : 'loading', 'Loading…');
  try {
    page.shown = await load(key);
  } catch (err) {
    if (err instanceof AuthError) {
      forgetKey(localStorage);
      page.key = '';
      askForKey('The collector refused this key (401 unauthorized). Check API_KEY in its .env and enter it again.');
    } else {
      page.key = key; // not refused: "Try again" uses it
      showLoadError(err);
    }
    return;
  }
  page.key = key;
  saveKey(localStorage, key);
  setState('ready', `Updated ${new Date().toLocaleTimeString()}`);
  show();
  loadCliproxy(key, page.shown.range)
    .then((on) => on && showCosts(page.shown.range, page.Chart, chartTheme()))
    .catch((err) => {
      $('cliproxy').hidden = true;
      console.warn('CLIProxy section left out:', err.message);
    });
}

/** Apply a new range or grouping: check a custom range first, keep it in the address, fetch. */
function choose(view) {
  try {
    resolveView(view, page.shown?.today ?? todayIn(page.zone || 'UTC'));
  } catch (err) {
    showRangeError(err.message);
    return;
  }
  showRangeError('');
  page.view = view;
  history.replaceState(null, '', hashOfView(view));
  markView(view);
  refresh();
}

async function download() {
  const range = page.shown?.range;
  if (!range) return;
  const button = $('download-csv');
  button.disabled = true;
  try {
    await downloadCsv(usagePath(range, 'csv'), page.key, `usage_${range.from}_${range.to}_${range.group}.csv`);
  } catch (err) {
    if (err instanceof NetworkError) showLoadError(err);
    else showRangeError(`Download failed: ${err.message}`);
  } finally {
    button.disabled = false;
  }
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
  wireControls({ current: () => page.view, choose, download });
  onSchemeChange(() => page.shown && show());
  setInterval(() => {
    if (page.key && document.visibilityState === 'visible' && document.body.dataset.state === 'ready') {
      refresh(page.key, { quiet: true });
    }
  }, REFRESH_MS);
}

wire();
markView(page.view);
const stored = loadKey(localStorage);
if (stored) refresh(stored);
else askForKey();
