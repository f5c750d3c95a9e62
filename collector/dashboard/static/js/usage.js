// Shaping a `GET /usage` answer (any range, any group) for the chart, the table and the totals.

import { OTHERS_COLOUR, siteColours } from './colours.js';
import { mondayOf, monthStart } from './dates.js';

export const OTHERS = 'others';
export { OTHERS_COLOUR };

/** Sum of tokens per host over the periods [from, to] of a group=day answer. */
export function sumHosts(report, from, to) {
  const sums = {};
  for (const row of report.rows) {
    if (row.period < from || row.period > to) continue;
    for (const [host, tokens] of Object.entries(row.hosts)) sums[host] = (sums[host] ?? 0) + tokens;
  }
  return sums;
}

const total = (hosts) => Object.values(hosts).reduce((a, b) => a + b, 0);

/** Totals for today, this ISO week (from Monday) and this calendar month, from a group=day answer. */
export function periodTotals(report, today) {
  return {
    today: total(sumHosts(report, today, today)),
    week: total(sumHosts(report, mondayOf(today), today)),
    month: total(sumHosts(report, monthStart(today), today)),
  };
}

/** Hosts with tokens in the answer, largest first (ties by name), as the collector ordered them. */
function hostsByTotal(report) {
  return Object.keys(report.totals ?? {})
    .filter((host) => report.totals[host] > 0)
    .sort((a, b) => report.totals[b] - report.totals[a] || (a < b ? -1 : 1));
}

/**
 * Stacked-bar data: one label per period of the answer (idle ones included, as zeros), one series per
 * host, largest first, each in its site's fixed colour; past `maxSeries` the smallest hosts are
 * folded into one grey "others" series so the legend stays readable.
 */
export function chartSeries(report, maxSeries = 8) {
  const labels = report.rows.map((row) => row.period);
  const hosts = hostsByTotal(report);
  const shown = hosts.length > maxSeries ? hosts.slice(0, maxSeries - 1) : hosts;
  const folded = hosts.slice(shown.length);
  const colours = siteColours(shown);
  const series = shown.map((host) => ({
    label: host,
    colour: colours[host],
    data: report.rows.map((row) => row.hosts[host] ?? 0),
  }));
  if (folded.length) {
    series.push({
      label: OTHERS,
      colour: OTHERS_COLOUR,
      hosts: folded,
      data: report.rows.map((row) => folded.reduce((n, host) => n + (row.hosts[host] ?? 0), 0)),
    });
  }
  return { labels, series, group: report.group ?? 'day', total: total(report.totals ?? {}) };
}

/** Every host of the range with its exact total and share, largest first (folded ones included). */
export function siteTotals(report, data) {
  const colours = Object.fromEntries(data.series.map((s) => [s.label, s.colour]));
  const sum = total(report.totals ?? {});
  return hostsByTotal(report).map((host) => ({
    host,
    tokens: report.totals[host],
    share: sum ? report.totals[host] / sum : 0,
    colour: colours[host] ?? OTHERS_COLOUR,
  }));
}

/** Table rows, newest first: the period, its total, then one value per series. */
export function tableRows(data) {
  const rows = data.labels.map((period, i) => ({
    period,
    total: data.series.reduce((n, s) => n + s.data[i], 0),
    values: data.series.map((s) => s.data[i]),
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

let numberFormat; // one formatter for the page: building one per call is slow

/** The exact figure with thousands separators in the reader's locale. */
export function formatExact(n) {
  numberFormat ??= new Intl.NumberFormat();
  return numberFormat.format(n);
}

/** 0.4 -> '40%', with one decimal under 10% and '<0.1%' below that, so a small site never reads 0%. */
export function formatShare(share) {
  const percent = share * 100;
  if (percent > 0 && percent < 0.1) return '<0.1%';
  return `${percent > 0 && percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

function trim(x) {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}
