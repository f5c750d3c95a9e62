import assert from 'node:assert/strict';
import test from 'node:test';

import {
  cliproxyToday, costRows, costSeries, formatDuration, formatUsd, limitGauge, pricedModels,
} from '../static/js/cliproxy.js';

const model = (requests, cost) => ({ requests, tokens: 10 * requests, cost_micro_usd: cost });
// /api/collector/stats/daily, trimmed to what the page reads.
const daily = {
  days: [
    { date: '2026-11-23', breakdown: { models: { 'gpt-5': model(2, 1_500_000), 'claude-sonnet-4-5': model(1, 250_000) } } },
    { date: '2026-11-25', breakdown: { models: { 'gpt-5': model(1, 500_000), 'mystery-model': model(4, 0) } } },
  ],
};
const models = { models: [{ model: 'gpt-5', status: 'priced' }, { model: 'mystery-model', status: 'unpriced' }] };

test('costSeries: USD per model per day, most expensive first, zeros for quiet days', () => {
  const data = costSeries(daily, { from: '2026-11-23', to: '2026-11-25' });
  assert.deepEqual(data.labels, ['2026-11-23', '2026-11-24', '2026-11-25']);
  assert.deepEqual(data.series.map((s) => s.label), ['gpt-5', 'claude-sonnet-4-5', 'mystery-model']);
  assert.deepEqual(data.series[0].data, [1.5, 0, 0.5]);
  assert.equal(data.totalUsd, 2.25);
});

test('an unpriced model reads "unpriced", never $0', () => {
  const priced = pricedModels(models);
  const rows = costRows(costSeries(daily, { from: '2026-11-23', to: '2026-11-25' }), priced);
  assert.deepEqual(rows[0], { day: '2026-11-25', cells: ['$0.50', '–', 'unpriced'] });
  assert.deepEqual(rows[1].cells, ['–', '–', '–']); // no requests that day
  assert.deepEqual(rows[2].cells, ['$1.50', '$0.25', '–']);
});

test('a model seen only in a snapshot without details (absent from /stats/models) is unpriced too', () => {
  const snapshotOnly = { days: [{ date: '2026-11-25', breakdown: { models: { 'old-model': model(3, 0) } } }] };
  const rows = costRows(costSeries(snapshotOnly, { from: '2026-11-25', to: '2026-11-25' }), pricedModels(models));
  assert.deepEqual(rows[0].cells, ['unpriced']);
});

test('costSeries keeps to the window', () => {
  assert.deepEqual(costSeries(daily, { from: '2026-11-24', to: '2026-11-24' }).series, []);
});

test('formatUsd and formatDuration', () => {
  assert.equal(formatUsd('12.345678'), '$12.35');
  assert.equal(formatUsd('0.000123'), '$0.00012');
  assert.equal(formatUsd(0), '$0');
  assert.equal(formatDuration(30_000), 'under a minute');
  assert.equal(formatDuration(7 * 60_000), '7 min');
  assert.equal(formatDuration((2 * 60 + 5) * 60_000), '2 h 5 min');
  assert.equal(formatDuration((3 * 24 + 4) * 3_600_000), '3 d 4 h');
  assert.equal(formatDuration(24 * 3_600_000), '1 d');
});

const NOW = Date.parse('2026-11-25T10:00:00Z');
const limit = {
  id: 1, name: 'GPT daily', model_pattern: 'gpt', reset_strategy: 'daily', window_minutes: null,
  percentage: 25, status_label: '750,000/1,000,000 Tokens', next_reset_ms: Date.parse('2026-11-26T00:00:00Z'),
};

test('limitGauge: used share (the collector reports the remaining share) and time to reset', () => {
  assert.deepEqual(limitGauge(limit, NOW), {
    id: 1, title: 'GPT daily', pattern: 'gpt', usedPercent: 75, level: 'medium',
    label: '750,000/1,000,000 Tokens', reset: 'resets in 14 h',
  });
  assert.equal(limitGauge({ ...limit, percentage: 5 }, NOW).level, 'high');
  assert.equal(limitGauge({ ...limit, next_reset_ms: NOW - 1 }, NOW).reset, 'resets now');
});

test('limitGauge: rolling windows, limits not measured yet, nameless limits', () => {
  const rolling = limitGauge({ ...limit, reset_strategy: 'rolling', window_minutes: 300 }, NOW);
  assert.equal(rolling.reset, 'rolling 5 h window');
  const fresh = limitGauge({ ...limit, name: '', percentage: null, next_reset_ms: null }, NOW);
  assert.deepEqual([fresh.title, fresh.level, fresh.label, fresh.reset], ['gpt', 'unknown', 'not measured yet', 'no reset scheduled']);
});

test('cliproxyToday reads the date of the zone-aware timestamp', () => {
  assert.equal(cliproxyToday({ timestamp: '2026-11-26T00:30:00+01:00' }), '2026-11-26');
});
