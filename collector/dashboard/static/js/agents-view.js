// The coding-agents section: shown when the collector reads agent logs or holds their rows.

import { getJson } from './api.js';
import { BLOCK_HEADERS, DAILY_HEADERS, SOURCES, blockRows, dailyPath, dailyRows } from './agents.js';
import { addDays } from './dates.js';
import { table } from './render.js';

const $ = (id) => document.getElementById(id);
const state = { key: '', today: null, range: null, wired: false };

/** Fetch and draw; hides the section (and resolves false) when there is nothing to show. */
export async function loadAgents(key, range) {
  const status = await getJson('/api/agents/status', key);
  const stored = Object.values(status.requests ?? {}).reduce((a, b) => a + b, 0);
  if (!status.enabled.length && !stored) {
    $('agents').hidden = true;
    return false;
  }
  state.key = key;
  state.today = new Date().toLocaleDateString('en-CA', { timeZone: status.zone });
  wire();
  await showAgents(range);
  const skipped = Object.entries(status.skipped_lines ?? {}).filter(([, lines]) => lines);
  $('agents-note').textContent = `Days in ${status.zone}; agents read: ${status.enabled.join(', ') || 'none'}.`
    + (skipped.length ? ` Unreadable lines skipped: ${skipped.map(([s, lines]) => `${s} ${lines}`).join(', ')}.` : '');
  $('agents').hidden = false;
  return true;
}

/** Redraw the daily report and the blocks for the dates of `range` (the chart's) and the chosen source. */
export async function showAgents(range) {
  if (!state.today) return;
  state.range = range;
  const source = $('agents-source').value;
  const lastWeek = addDays(range.to, -6); // blocks are about recent quota windows: the range's last 7 days
  const blocksFrom = range.from > lastWeek ? range.from : lastWeek;
  const [daily, blocks] = await Promise.all([
    getJson(dailyPath(source, range.from, range.to), state.key),
    getJson(`/api/agents/blocks?start=${blocksFrom}&end=${range.to}`, state.key),
  ]);
  $('agents-daily').replaceChildren(table(DAILY_HEADERS, dailyRows(daily)));
  $('agents-blocks-box').hidden = Boolean(source) && source !== 'claude-code';
  $('agents-blocks').replaceChildren(table(BLOCK_HEADERS, blockRows(blocks)));
}

function wire() {
  if (state.wired) return;
  state.wired = true;
  const select = $('agents-source');
  for (const source of SOURCES) select.append(new Option(source, source));
  select.addEventListener('change', () => showAgents(state.range));
}
