// Shaping the CLIProxy endpoints (/api/collector/stats/daily, /stats/models, /limits/status) for the
// page: cost per model per day, and one gauge per rate limit with the time left to its reset.

import { modelColours } from './colours.js';
import { datesBetween } from './dates.js';
import { OTHERS, OTHERS_COLOUR } from './usage.js';

export const UNPRICED = 'unpriced';

/** '12.345678' (the collector's exact decimal string) -> '$12.35'; tiny costs keep their digits. */
export function formatUsd(value) {
  const n = Number(value);
  if (n === 0) return '$0';
  if (Math.abs(n) < 0.01) return `$${n.toPrecision(2)}`;
  return `$${n.toFixed(2)}`;
}

/** 3 d 4 h, 2 h 5 min, 7 min, under a minute. */
export function formatDuration(ms) {
  if (ms < 60_000) return 'under a minute';
  const minutes = Math.floor(ms / 60_000);
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

/**
 * Stacked-bar series of cost (USD) per model for the dates [from, to] of `dailyStats.days`; models by
 * cost over the window, largest first, each in its fixed model colour, the rest folded into "others".
 */
export function costSeries(dailyStats, { from, to }, maxSeries = 8) {
  const labels = datesBetween(from, to);
  const byDay = new Map(dailyStats.days.map((d) => [d.date, d.breakdown?.models ?? {}]));
  const sums = {};
  const requests = {};
  for (const day of labels) {
    for (const [model, m] of Object.entries(byDay.get(day) ?? {})) {
      sums[model] = (sums[model] ?? 0) + m.cost_micro_usd;
      requests[model] = (requests[model] ?? 0) + m.requests;
    }
  }
  const models = Object.keys(sums).filter((m) => requests[m] > 0)
    .sort((a, b) => sums[b] - sums[a] || (a < b ? -1 : 1));
  const shown = models.length > maxSeries ? models.slice(0, maxSeries - 1) : models;
  const folded = models.slice(shown.length);
  const usd = (model, day) => (byDay.get(day)?.[model]?.cost_micro_usd ?? 0) / 1e6;
  const count = (model, day) => byDay.get(day)?.[model]?.requests ?? 0;
  const colours = modelColours(shown);
  const series = shown.map((model) => ({
    label: model,
    colour: colours[model],
    data: labels.map((day) => usd(model, day)),
    requests: labels.map((day) => count(model, day)),
  }));
  if (folded.length) {
    const sum = (fn, day) => folded.reduce((n, model) => n + fn(model, day), 0);
    series.push({
      label: OTHERS,
      colour: OTHERS_COLOUR,
      hosts: folded,
      data: labels.map((day) => sum(usd, day)),
      requests: labels.map((day) => sum(count, day)),
    });
  }
  return { labels, series, totalUsd: Object.values(sums).reduce((a, b) => a + b, 0) / 1e6 };
}

/**
 * Models whose every request has a price. Anything else with a zero cost (no known price, or only
 * counted from a legacy snapshot without details) is shown as "unpriced", never as $0.
 */
export function pricedModels(modelStats) {
  return new Set(modelStats.models.filter((m) => m.status !== UNPRICED).map((m) => m.model));
}

/** Table rows, newest first: '–' for no requests, "unpriced" for a zero cost not known to be $0. */
export function costRows(data, priced) {
  const cell = (s, i) => {
    if (!s.requests[i]) return '–';
    if (s.data[i] === 0 && !(s.hosts ?? [s.label]).every((m) => priced.has(m))) return UNPRICED;
    return formatUsd(s.data[i]);
  };
  return data.labels.map((day, i) => ({ day, cells: data.series.map((s) => cell(s, i)) })).reverse();
}

/**
 * One gauge per limit: how much of the limit is used (`percentage` from the collector is the share
 * *remaining*), a level for colour, and the time to the next reset in words.
 */
export function limitGauge(limit, nowMs) {
  const hasStatus = limit.percentage !== null && limit.percentage !== undefined;
  const used = hasStatus ? 100 - limit.percentage : 0;
  let reset;
  if (limit.reset_strategy === 'rolling') reset = `rolling ${formatDuration(limit.window_minutes * 60_000)} window`;
  else if (!limit.next_reset_ms) reset = 'no reset scheduled';
  else if (limit.next_reset_ms <= nowMs) reset = 'resets now';
  else reset = `resets in ${formatDuration(limit.next_reset_ms - nowMs)}`;
  return {
    id: limit.id,
    title: limit.name || limit.model_pattern,
    pattern: limit.model_pattern,
    usedPercent: used,
    level: !hasStatus ? 'unknown' : used >= 90 ? 'high' : used >= 70 ? 'medium' : 'low',
    label: hasStatus ? limit.status_label : 'not measured yet',
    reset,
  };
}

/** The CLIProxy zone's date, from the health answer's timestamp (ISO with the zone's offset). */
export function cliproxyToday(health) {
  return health.timestamp.slice(0, 10);
}
