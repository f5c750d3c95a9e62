// Shaping a `GET /usage?group=day` answer for the chart, the table and the totals.

import { datesBetween, lastDays, mondayOf, monthStart } from './dates.js';

export const OTHERS = 'others';
// Colour-blind-friendly categories (Okabe-Ito, then Tableau), fixed order so a host keeps its colour.
export const PALETTE = [
  '#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#4E79A7',
  '#B07AA1', '#59A14F',
];
export const OTHERS_COLOUR = '#9AA0A6';

/** Map period -> { host: tokens } from a report's rows. */
export function byPeriod(report) {
  return new Map(report.rows.map((row) => [row.period, row.hosts]));
}

/** Sum of tokens per host over the dates [from, to]. */
export function sumHosts(report, from, to) {
  const sums = {};
  for (const row of report.rows) {
    if (row.period < from || row.period > to) continue;
    for (const [host, tokens] of Object.entries(row.hosts)) sums[host] = (sums[host] ?? 0) + tokens;
  }
  return sums;
}

const total = (hosts) => Object.values(hosts).reduce((a, b) => a + b, 0);

/** Totals for today, this ISO week (from Monday) and this calendar month. */
export function periodTotals(report, today) {
  return {
    today: total(sumHosts(report, today, today)),
    week: total(sumHosts(report, mondayOf(today), today)),
    month: total(sumHosts(report, monthStart(today), today)),
  };
}

/**
 * Stacked-bar data for the last `days` days: one dataset per host, largest first; past
 * `maxSeries` the smallest hosts are folded into one "others" series so the legend stays readable.
 */
export function chartSeries(report, days, today, maxSeries = 8) {
  const { from, to } = lastDays(days, today);
  const labels = datesBetween(from, to);
  const sums = sumHosts(report, from, to);
  const hosts = Object.keys(sums).sort((a, b) => sums[b] - sums[a] || (a < b ? -1 : 1));
  const shown = hosts.length > maxSeries ? hosts.slice(0, maxSeries - 1) : hosts;
  const folded = hosts.slice(shown.length);
  const rows = byPeriod(report);
  const series = shown.map((host, i) => ({
    label: host,
    colour: PALETTE[i % PALETTE.length],
    data: labels.map((day) => rows.get(day)?.[host] ?? 0),
  }));
  if (folded.length) {
    series.push({
      label: OTHERS,
      colour: OTHERS_COLOUR,
      hosts: folded,
      data: labels.map((day) => folded.reduce((n, host) => n + (rows.get(day)?.[host] ?? 0), 0)),
    });
  }
  return { labels, series, totals: sums };
}

/** Table rows for the same window, newest first, with a total column. */
export function tableRows(data) {
  const rows = data.labels.map((day, i) => ({
    day,
    values: data.series.map((s) => s.data[i]),
    total: data.series.reduce((n, s) => n + s.data[i], 0),
  }));
  return rows.reverse();
}

/** 950, 12.3k, 4.56M: short enough for a phone. */
export function formatTokens(n) {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${trim(n / 1e9)}G`;
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return String(n);
}

function trim(x) {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}
