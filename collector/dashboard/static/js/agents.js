// Shaping /api/agents/daily and /api/agents/blocks for the page: ccusage's daily report (date,
// models, input, output, cache read, cache write, cost) and Claude Code's 5-hour blocks.

import { formatUsd } from './cliproxy.js';

export const SOURCES = ['claude-code', 'codex', 'gemini-cli'];
export const DAILY_HEADERS = ['date', 'models', 'input', 'output', 'cache read', 'cache write', 'total', 'cost'];
export const BLOCK_HEADERS = ['block (UTC)', 'models', 'requests', 'input', 'output', 'cache read', 'cache write', 'cost'];

const n = (value) => value.toLocaleString('en-US');

/** null (no price known) is shown as such, never as $0; a partly priced sum says so. */
export function costCell(usd, unpriced = 0) {
  if (usd === null || usd === undefined) return 'unpriced';
  return unpriced ? `${formatUsd(usd)} + ${unpriced} unpriced` : formatUsd(usd);
}

/** One text row per day, newest first, plus a total row when there is more than one day. */
export function dailyRows(report) {
  const days = [...report.days].sort((a, b) => (a.date < b.date ? 1 : -1));
  const rows = days.map((d) => [d.date, d.models.join(', '), n(d.input), n(d.output), n(d.cache_read),
    n(d.cache_write), n(d.total_tokens), costCell(d.cost_usd, d.unpriced_requests)]);
  if (days.length > 1) {
    const sum = (field) => days.reduce((acc, d) => acc + d[field], 0);
    const priced = days.filter((d) => d.cost_usd !== null);
    const cost = priced.length ? String(priced.reduce((acc, d) => acc + Number(d.cost_usd), 0)) : null;
    rows.push(['total', '', n(sum('input')), n(sum('output')), n(sum('cache_read')), n(sum('cache_write')),
      n(sum('total_tokens')), costCell(cost, sum('unpriced_requests'))]);
  }
  return rows;
}

function hhmm(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** One text row per 5-hour block, newest first; an active block is marked. */
export function blockRows(report) {
  return [...report.blocks].reverse().map((b) => [
    `${hhmm(b.start_ms)} – ${hhmm(b.end_ms).slice(11)}${b.active ? ' (active)' : ''}`,
    b.models.join(', '), n(b.requests), n(b.input), n(b.output), n(b.cache_read), n(b.cache_write),
    costCell(b.cost_usd, b.unpriced_requests),
  ]);
}

/** The daily query for the chosen source ('' = all) over the last `days` days ending `today`. */
export function dailyPath(source, from, to) {
  const query = new URLSearchParams({ start: from, end: to });
  if (source) query.set('source', source);
  return `/api/agents/daily?${query}`;
}
