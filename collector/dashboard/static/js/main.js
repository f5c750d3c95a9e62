// The page: ask for the key once, then fetch /usage and draw. DOM wiring and the page's states only;
// each section lives in its own module (usage-view.js, cliproxy-view.js), the logic in the small
// modules beside them, which Node's test runner imports.

import { AuthError, NetworkError, usagePath } from './api.js';
import { askUsage, takeEarly } from './boot.js';
import { localToday, todayIn } from './dates.js';
import { downloadCsv } from './download.js';
import { forgetKey, loadKey, loadZone, saveKey, saveZone } from './keystore.js';
import { loadChartLib } from './render.js';
import { hashOfView, resolveView, viewFromHash } from './range.js';
import { chartTheme, onSchemeChange } from './theme.js';
import { markView, showRangeError, showUsage, wireControls } from './usage-view.js';
import { loadCliproxy, showCosts } from './cliproxy-view.js';
import { loadAgents, showAgents } from './agents-view.js';
import { loadWebCost, showWebCost } from './cost-view.js';

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
 * the collector's, in its bucket zone; the first guess is this browser's date (the collector usually
 * runs on this machine), and when the answer's zone says another day, the page asks again.
 */
async function load(key) {
  const ask = (today) => askUsage(page.view, today, key);
  const guess = localToday();
  const first = takeEarly(key, page.view, guess) ?? ask(guess); // boot.js may have asked already
  // The first Intl call of a page can take 15-150 ms (time zone data): make it while the collector answers.
  const zone = page.zone || loadZone(localStorage) || 'UTC';
  const zoneToday = todayIn(zone);
  let answer = await first;
  const realZone = answer.report.bucket_timezone;
  const today = realZone === zone ? zoneToday : todayIn(realZone);
  if (realZone !== page.zone) saveZone(localStorage, realZone);
  page.zone = realZone;
  if (today !== guess) answer = await ask(today);
  page.Chart ??= await chartLib;
  return answer;
}

function show() {
  showUsage({ ...page.shown, Chart: page.Chart, theme: chartTheme() });
  markView(page.view);
  showCosts(page.shown.range, page.Chart, chartTheme());
  showWebCost(page.shown.range, page.Chart, chartTheme());
  showAgents(page.shown.range).catch((err) => console.warn('agents section:', err.message));
}

function showLoadError(err) {
  const code = (text) => Object.assign(document.createElement('code'), { textContent: text });
  $('load-error-text').replaceChildren(...(err instanceof NetworkError
    ? [`The collector at ${location.origin} is not answering: start it with `, code('make run'),
      ' in the project folder, then try again.']
    : [`Could not load usage: ${err.message}`]));
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
  loadWebCost(key, page.zone, page.shown.range)
    .then(() => showWebCost(page.shown.range, page.Chart, chartTheme()))
    .catch((err) => console.warn('Cost view left out:', err.message));
  loadCliproxy(key, page.shown.range)
    .then((on) => on && showCosts(page.shown.range, page.Chart, chartTheme()))
    .catch((err) => {
      $('cliproxy').hidden = true;
      console.warn('CLIProxy section left out:', err.message);
    });
  loadAgents(key, page.shown.range).catch((err) => {
    $('agents').hidden = true;
    console.warn('Coding-agents section left out:', err.message);
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
  window.addEventListener('hashchange', () => { // back/forward, or an edited address
    page.view = viewFromHash(location.hash);
    markView(page.view);
    if (page.key) refresh();
  });
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
