import assert from 'node:assert/strict';
import test from 'node:test';

import {
  OTHERS, OTHERS_COLOUR, PALETTE, chartSeries, formatTokens, periodTotals, sumHosts, tableRows,
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

test('chartSeries: one label per day, one series per host, largest first, zeros for gaps', () => {
  const data = chartSeries(report, 7, '2026-11-25');
  assert.deepEqual(data.labels, [
    '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25',
  ]);
  assert.deepEqual(data.series.map((s) => s.label), ['claude.ai', 'chatgpt.com', 'gemini.google.com']);
  assert.deepEqual(data.series[1].data, [0, 0, 0, 5, 100, 0, 0]);
  assert.deepEqual(data.series.map((s) => s.colour), PALETTE.slice(0, 3));
});

test('chartSeries leaves out hosts with nothing in the window', () => {
  const data = chartSeries(report, 1, '2026-11-25');
  assert.deepEqual(data.series.map((s) => s.label), ['gemini.google.com']);
  assert.deepEqual(chartSeries(report, 7, '2026-12-31').series, []);
});

test('chartSeries folds the smallest hosts into "others" past maxSeries', () => {
  const hosts = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`h${i}.example`, 100 - i]));
  const big = { rows: [{ period: '2026-11-25', hosts }] };
  const data = chartSeries(big, 7, '2026-11-25', 8);
  assert.equal(data.series.length, 8);
  const others = data.series.at(-1);
  assert.equal(others.label, OTHERS);
  assert.equal(others.colour, OTHERS_COLOUR);
  assert.equal(others.hosts.length, 23);
  const sum = (arr) => arr.reduce((a, b) => a + b, 0);
  assert.equal(sum(data.series.map((s) => sum(s.data))), sum(Object.values(hosts)));
});

test('tableRows: newest first, with a total per day', () => {
  const rows = tableRows(chartSeries(report, 3, '2026-11-25'));
  assert.deepEqual(rows.map((r) => [r.day, r.total]), [['2026-11-25', 7], ['2026-11-24', 0], ['2026-11-23', 300]]);
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
