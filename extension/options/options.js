// Loads the settings on open, saves on submit, and tests the values in the form (saved or not)
// through the worker, which has the host permission for the collector.
import { DEFAULT_COLLECTOR_URL, KEY, MSG } from '../sw/constants.js';

const $ = (id) => document.getElementById(id);

function show(text, clearAfterMs = 0) {
  $('status').textContent = text;
  if (clearAfterMs) setTimeout(() => ($('status').textContent = ''), clearAfterMs);
}

async function load() {
  const stored = await chrome.storage.local.get({ [KEY.URL]: DEFAULT_COLLECTOR_URL, [KEY.API_KEY]: '' });
  $('url').value = stored[KEY.URL];
  $('key').value = stored[KEY.API_KEY];
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const url = $('url').value.trim().replace(/\/+$/, '');
  await chrome.storage.local.set({ [KEY.URL]: url, [KEY.API_KEY]: $('key').value.trim() });
  show('Saved.', 2000);
});

$('test').addEventListener('click', async () => {
  show('Testing…');
  const status = await chrome.runtime.sendMessage({
    type: MSG.TEST_CONNECTION,
    url: $('url').value.trim(),
    apiKey: $('key').value.trim(),
  });
  const latency = status.latencyMs ? ` (${status.latencyMs} ms)` : '';
  show(`${status.kind}${latency}${status.detail ? `: ${status.detail}` : ''}`);
});

load();
