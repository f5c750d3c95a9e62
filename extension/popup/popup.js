// Shows what is stored (today's counts, pending, in flight, last error) at once, then asks the
// worker for a live, classified status of the collector.
import { EXACT_HOSTS, KEY, MSG, SITE_NAMES, STATUS } from '../sw/constants.js';
import { localDay } from '../sw/store.js';

const $ = (id) => document.getElementById(id);
const sum = (counts) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

function row(host, tokens, method) {
  const tr = document.createElement('tr');
  const label = method === 'estimate' ? 'estimate' : EXACT_HOSTS.includes(host) ? 'exact' : 'estimate';
  for (const [text, cls] of [[host, ''], [tokens.toLocaleString(), 'n'], [label, 'muted']]) {
    const td = document.createElement('td');
    td.textContent = text;
    td.className = cls;
    tr.append(td);
  }
  return tr;
}

/** One warning per site whose replies could not be read today: what happened and what to do. */
function renderUnparsed(unparsed) {
  const lines = Object.entries(unparsed ?? {})
    .filter(([, n]) => n > 0)
    .map(([host, n]) => {
      const p = document.createElement('p');
      const name = SITE_NAMES[host] ?? host;
      const replies = n === 1 ? '1 reply' : `${n.toLocaleString()} replies`;
      p.textContent = `${name} (${host}): ${replies} today could not be read. The site may have changed ` +
        'its format, so those replies were not counted (their prompts were). Update the extension; ' +
        'if no update exists yet, report it with the site name.';
      return p;
    });
  $('unparsed').replaceChildren(...lines);
}

async function renderStored() {
  const s = await chrome.storage.local.get(null);
  const today = s[KEY.TODAY];
  const isToday = today?.day === localDay();
  const counts = isToday ? today.counts : {};
  renderUnparsed(isToday ? today.unparsed : {});
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  $('today').replaceChildren(...rows.map(([h, n]) => row(h, n, s[KEY.COUNTING])));
  if (!rows.length) $('today').textContent = 'Nothing counted yet today.';
  $('exactness').textContent = s[KEY.COUNTING] === 'estimate'
    ? 'The tokenizer is unavailable: every count is an estimate (about 4 characters a token).'
    : 'ChatGPT counts are exact o200k_base tokens of the visible text; other sites are estimates.';
  $('pending').textContent = sum(s[KEY.PENDING]).toLocaleString();
  const b = s[KEY.INFLIGHT];
  $('inflight').textContent = b ? `batch #${b.seq}, ${sum(b.deltas).toLocaleString()} tokens` : 'none';
  const c = s[KEY.LAST_COUNT];
  $('lastcount').textContent = c ? `Last count: ${c.tokens} tokens from ${c.chars} characters in ${c.ms} ms.` : '';
  const e = s[KEY.LAST_ERROR];
  $('error').textContent = e ? `Last error (${new Date(e.at).toLocaleTimeString()}): ${e.kind} ${e.detail}` : '';
}

async function renderLive() {
  const status = await chrome.runtime.sendMessage({ type: MSG.STATUS }).catch(() => ({
    // The worker did not start: most often extension/dist/tokenizer.js was never built.
    kind: 'extension error',
    latencyMs: 0,
    detail: 'the service worker is not running: run npm run build, then reload the extension',
  }));
  $('status').textContent = status.kind;
  $('status').className = `kind ${status.kind === STATUS.CONNECTED ? 'connected' : 'bad'}`;
  $('latency').textContent = status.kind === STATUS.CONNECTED || status.latencyMs ? `${status.latencyMs} ms` : '';
  if (status.detail) $('latency').textContent += ` ${status.detail}`;
}

$('send').addEventListener('click', async () => {
  await chrome.runtime.sendMessage({ type: MSG.FLUSH }).catch(() => {});
  await Promise.all([renderStored(), renderLive()]);
});
$('options').addEventListener('click', (e) => {
  e.preventDefault();
  chrome.runtime.openOptionsPage();
});

renderStored();
renderLive();
