// Shaping `GET /usage?by=model` answers for the cost view: cost per site and model per day, the
// range's total per source, a per-day table like ccusage's daily report, and each subscription
// beside the API-equivalent cost of its site's month. Pure functions, imported by Node's tests.

import { datesBetween } from './dates.js';
import { modelColours } from './colours.js';
import { OTHERS, OTHERS_COLOUR } from './usage.js';
import { formatUsd } from './cliproxy.js';

export const UNPRICED = 'unpriced';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
const SITES = {
  'chatgpt.com': 'ChatGPT', 'chat.openai.com': 'ChatGPT', 'claude.ai': 'Claude',
  'gemini.google.com': 'Gemini', 'chat.deepseek.com': 'DeepSeek', 'grok.com': 'Grok',
  'chat.mistral.ai': 'Mistral', 'www.perplexity.ai': 'Perplexity', 'perplexity.ai': 'Perplexity',
  'copilot.microsoft.com': 'Copilot', cliproxy: 'CLIProxy', 'claude-code': 'Claude Code',
  codex: 'Codex', 'gemini-cli': 'Gemini CLI',
};

export const siteName = (host) => SITES[host] ?? host;

export function costPath({ from, to }, group = 'day') {
  return `/usage?${new URLSearchParams({ from, to, group, by: 'model' })}`;
}

/** '12.5' or null -> '$12.50' or 'unpriced' (never $0 for an unknown price). */
export const formatCost = (value) => (value === null || value === undefined ? UNPRICED : formatUsd(value));

const seriesName = (row) => `${siteName(row.host)} · ${row.model ?? 'unknown model'}`;

/**
 * Stacked bars of USD per site and model per day over [from, to]; the costliest first, the rest
 * folded into "others". Unpriced rows have no bar (their cost is unknown, not zero).
 */
export function costByDay(report, from, to, maxSeries = 8) {
  const labels = datesBetween(from, to);
  const cost = new Map(); // series -> Map(day -> usd)
  const cliproxyModel = new Map(); // series -> model id, for CLIProxy's series
  for (const row of report.rows) {
    if (row.cost_usd === null || row.period < from || row.period > to) continue;
    const name = seriesName(row);
    if (row.host === 'cliproxy' && row.model) cliproxyModel.set(name, row.model);
    if (!cost.has(name)) cost.set(name, new Map());
    const days = cost.get(name);
    days.set(row.period, (days.get(row.period) ?? 0) + Number(row.cost_usd));
  }
  const sum = (name) => [...cost.get(name).values()].reduce((a, b) => a + b, 0);
  const names = [...cost.keys()].sort((a, b) => sum(b) - sum(a) || (a < b ? -1 : 1));
  const shown = names.length > maxSeries ? names.slice(0, maxSeries - 1) : names;
  const folded = names.slice(shown.length);
  // Fixed colours whatever the range: a CLIProxy model keeps the colour its own section gives it
  // (keyed by the model id); a web site's model is keyed by its label.
  const keyOf = (name) => (cliproxyModel.has(name) ? cliproxyModel.get(name) : name);
  const colours = modelColours([...new Set(shown.map(keyOf))]);
  const series = shown.map((name) => ({
    label: name, colour: colours[keyOf(name)], data: labels.map((d) => cost.get(name).get(d) ?? 0),
  }));
  if (folded.length) {
    series.push({
      label: OTHERS, colour: OTHERS_COLOUR, hosts: folded,
      data: labels.map((d) => folded.reduce((n, name) => n + (cost.get(name).get(d) ?? 0), 0)),
    });
  }
  return { labels, series };
}

/** The report's sources other than the web chats (CLIProxy, coding agents): each has its own section. */
const sectionSources = (report) => new Set(Object.keys(report.sources ?? {}).filter((s) => s !== 'web'));

/**
 * The total of [from, to] per source ("Web chats" for every site, then CLIProxy, agents...) and
 * all together; `unpriced` counts rows with tokens that have no price (never counted as $0).
 */
export function rangeTotals(report, from, to) {
  const others = sectionSources(report);
  const parts = new Map();
  let total = 0;
  let priced = false;
  let unpriced = 0;
  for (const row of report.rows) {
    if (row.period < from || row.period > to) continue;
    const label = others.has(row.host) ? siteName(row.host) : 'Web chats';
    const part = parts.get(label) ?? { label, usd: 0, priced: false, unpriced: 0 };
    if (row.cost_usd !== null) {
      part.usd += Number(row.cost_usd);
      total += Number(row.cost_usd);
      part.priced = priced = true;
    }
    if (row.priced !== 'all') {
      part.unpriced += 1;
      unpriced += 1;
    }
    parts.set(label, part);
  }
  const list = [...parts.values()].sort((a, b) => (a.label === 'Web chats' ? -1 : b.label === 'Web chats' ? 1 : a.label < b.label ? -1 : 1));
  return { parts: list, usd: total, priced, unpriced };
}

/**
 * The one source with its own dashboard section (CLIProxy, a coding agent) that holds every priced
 * row of [from, to], as its label; null when web chats or two sources are priced, or none. Then the
 * cost chart would repeat that section's own chart.
 */
export function soleSectionSource(report, from, to) {
  const others = sectionSources(report);
  const priced = new Set(report.rows
    .filter((r) => r.cost_usd !== null && r.period >= from && r.period <= to).map((r) => r.host));
  const [only] = priced;
  return priced.size === 1 && others.has(only) ? siteName(only) : null;
}

/** One line per day, newest first: date, models, input, output, context, cost (like ccusage daily). */
export function dailyTable(report) {
  const days = new Map();
  for (const row of report.rows) {
    if (!days.has(row.period)) {
      days.set(row.period, { day: row.period, models: new Set(), input: 0, output: 0, context: 0, cost: 0, priced: false, unpriced: false });
    }
    const d = days.get(row.period);
    d.models.add(row.model ?? 'unknown model');
    d.input += row.input + (row.cache_read ?? 0) + (row.cache_write ?? 0);
    d.output += row.output;
    d.context += row.context;
    if (row.cost_usd !== null) {
      d.cost += Number(row.cost_usd);
      d.priced = true;
    }
    if (row.priced !== 'all') d.unpriced = true;
  }
  return [...days.values()].sort((a, b) => (a.day < b.day ? 1 : -1)).map((d) => ({
    day: d.day,
    models: [...d.models].sort().join(', '),
    input: d.input, output: d.output, context: d.context,
    cost: d.priced ? formatUsd(d.cost) + (d.unpriced ? ' + unpriced' : '') : UNPRICED,
  }));
}

/**
 * For each subscribed site and month of a `group=month` report: the API-equivalent cost beside
 * what the user pays. "ChatGPT, November: $38.20 at API prices; you pay $20".
 */
export function subscriptionLines(monthReport) {
  const lines = [];
  for (const sub of monthReport.subscriptions ?? []) {
    const months = new Map();
    for (const row of monthReport.rows) {
      if (row.host !== sub.host) continue;
      const m = months.get(row.period) ?? { cost: 0, unpriced: false };
      if (row.cost_usd !== null) m.cost += Number(row.cost_usd);
      if (row.priced !== 'all') m.unpriced = true;
      months.set(row.period, m);
    }
    for (const [period, m] of [...months.entries()].sort()) {
      const month = MONTHS[Number(period.slice(5, 7)) - 1];
      const pays = formatUsd(sub.usd_per_month).replace(/\.00$/, '');
      const worth = formatUsd(m.cost) + (m.unpriced ? ' (plus unpriced models)' : '');
      lines.push({
        host: sub.host, period, apiUsd: m.cost, payUsd: Number(sub.usd_per_month),
        text: `${siteName(sub.host)}, ${month}: ${worth} at API prices; you pay ${pays}`,
      });
    }
  }
  return lines;
}
