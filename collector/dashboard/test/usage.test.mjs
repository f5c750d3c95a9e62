import assert from 'node:assert/strict';
import test from 'node:test';

import { SITE_COLOURS } from '../static/js/colours.js';
import {
  OTHERS, OTHERS_COLOUR, chartSeries, formatShare, formatTokens, periodTotals, siteTotals, sumHosts, tableRows,
} from '../static/js/usage.js';

// A /usage?group=day answer, trimmed to the fields the page reads.
const report = {
  bucket_timezone: 'Europe/Berlin',
  rows: [
    { period: '2026-10-31', total: 1000, hosts: { 'chatgpt.com': 1000 } },
    { period: '2026-11-01', total: 30, hosts: { 'claude.ai': 30 } },
    { period: '2026-11-22', total: 5, hosts: { 'chatgpt.com': 5 } },
    { period: '2026-11-23', total: 300, hosts: { 'chatgpt.com': 100, 'claude.ai': 200 } },
    { period: '2026-11-24', total: 0, hosts: {} },
    { period: '2026-11-25', total: 7, hosts: { 'gemini.google.com': 7 } },
  ],
};

test('periodTotals: today, the ISO week from Monday, the month from the 1st', () => {
  assert.deepEqual(periodTotals(report, '2026-11-25'), { today: 7, week: 307, month: 342 });
  assert.deepEqual(periodTotals(report, '2026-11-22'), { today: 5, week: 5, month: 35 });
});

test('sumHosts is inclusive at both ends', () => {
  assert.deepEqual(sumHosts(report, '2026-11-22', '2026-11-23'), { 'chatgpt.com': 105, 'claude.ai': 200 });
});

// A /usage answer for 2026-11-19 .. 2026-11-25, as the collector builds it (every day a row).
const week = {
  group: 'day',
  rows: ['19', '20', '21', '22', '23', '24', '25'].map((d) => report.rows.find((r) => r.period === `2026-11-${d}`)
    ?? { period: `2026-11-${d}`, total: 0, hosts: {} }),
  totals: { 'claude.ai': 200, 'chatgpt.com': 105, 'gemini.google.com': 7 },
};

test('chartSeries: one label per period, one series per host, largest first, zeros for idle days', () => {
  const data = chartSeries(week);
  assert.deepEqual(data.labels, [
    '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25',
  ]);
  assert.deepEqual(data.series.map((s) => s.label), ['claude.ai', 'chatgpt.com', 'gemini.google.com']);
  assert.deepEqual(data.series[1].data, [0, 0, 0, 5, 100, 0, 0]);
  assert.equal(data.total, 312);
});

test('a site keeps its colour whatever the range and the order', () => {
  const one = chartSeries(week).series;
  const other = chartSeries({ ...week, totals: { 'gemini.google.com': 9000, 'chatgpt.com': 1 } }).series;
  const colour = (series, host) => series.find((s) => s.label === host).colour;
  for (const host of ['chatgpt.com', 'gemini.google.com']) assert.equal(colour(one, host), colour(other, host));
  assert.equal(colour(one, 'chatgpt.com'), SITE_COLOURS['chatgpt.com']);
});

test('chartSeries leaves out hosts with nothing in the range; an empty range has no series', () => {
  assert.deepEqual(chartSeries({ ...week, totals: { 'claude.ai': 3, 'x.example': 0 } }).series.map((s) => s.label), ['claude.ai']);
  const empty = chartSeries({ group: 'day', rows: [{ period: '2026-11-25', total: 0, hosts: {} }], totals: {} });
  assert.deepEqual([empty.series, empty.total, empty.labels], [[], 0, ['2026-11-25']]);
});

test('chartSeries folds the smallest hosts into "others" past maxSeries; siteTotals lists them all', () => {
  const hosts = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`h${i}.example`, 100 - i]));
  const big = { rows: [{ period: '2026-11-25', hosts }], totals: hosts };
  const data = chartSeries(big, 8);
  assert.equal(data.series.length, 8);
  const others = data.series.at(-1);
  assert.equal(others.label, OTHERS);
  assert.equal(others.colour, OTHERS_COLOUR);
  assert.equal(others.hosts.length, 23);
  const sum = (arr) => arr.reduce((a, b) => a + b, 0);
  assert.equal(sum(data.series.map((s) => sum(s.data))), sum(Object.values(hosts)));
  const sites = siteTotals(big, data);
  assert.equal(sites.length, 30);
  assert.equal(sum(sites.map((s) => s.tokens)), data.total);
  assert.equal(sites.at(-1).colour, OTHERS_COLOUR);
  assert.ok(Math.abs(sum(sites.map((s) => s.share)) - 1) < 1e-9);
});

test('tableRows: newest first, the period total before the sites', () => {
  const rows = tableRows(chartSeries(week));
  assert.deepEqual(rows.slice(0, 3).map((r) => [r.period, r.total]), [['2026-11-25', 7], ['2026-11-24', 0], ['2026-11-23', 300]]);
  assert.deepEqual(rows[2].values, [200, 100, 0]);
});

test('formatShare keeps small shares visible', () => {
  assert.equal(formatShare(0.4), '40%');
  assert.equal(formatShare(0.0123), '1.2%');
  assert.equal(formatShare(0), '0%');
  assert.equal(formatShare(0.0002), '<0.1%');
});

test('formatTokens keeps numbers short', () => {
  assert.equal(formatTokens(0), '0');
  assert.equal(formatTokens(950), '950');
  assert.equal(formatTokens(1234), '1.23k');
  assert.equal(formatTokens(12_345), '12.3k');
  assert.equal(formatTokens(4_560_000), '4.56M');
  assert.equal(formatTokens(123_456_789), '123M');
  assert.equal(formatTokens(2_000_000_000), '2G');
});
