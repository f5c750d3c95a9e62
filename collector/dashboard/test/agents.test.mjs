import assert from 'node:assert/strict';
import test from 'node:test';

import { blockRows, costCell, dailyPath, dailyRows } from '../static/js/agents.js';

// /api/agents/daily and /api/agents/blocks, trimmed to what the page reads.
const day = (date, models, tokens, cost, unpriced = 0) => ({
  date, models, input: tokens, output: 2 * tokens, cache_read: 10 * tokens, cache_write: 3,
  total_tokens: 13 * tokens + 3, cost_usd: cost, unpriced_requests: unpriced,
});

test('costCell: null is unpriced, never $0; a partly priced sum says how many were left out', () => {
  assert.equal(costCell(null), 'unpriced');
  assert.equal(costCell('1.5225'), '$1.52');
  assert.equal(costCell('0.00026', 2), '$0.00026 + 2 unpriced');
});

test('dailyRows: newest day first, then a total row', () => {
  const rows = dailyRows({ days: [day('2026-05-01', ['claude-opus-4-7'], 1000, '0.5'),
    day('2026-05-02', ['gpt-5', 'mystery'], 2000, '0.25', 1)] });
  assert.deepEqual(rows.map((r) => r[0]), ['2026-05-02', '2026-05-01', 'total']);
  assert.deepEqual(rows[0], ['2026-05-02', 'gpt-5, mystery', '2,000', '4,000', '20,000', '3', '26,003', '$0.25 + 1 unpriced']);
  assert.deepEqual(rows[2].slice(2), ['3,000', '6,000', '30,000', '6', '39,006', '$0.75 + 1 unpriced']);
});

test('dailyRows: one day has no total row; all unpriced stays unpriced', () => {
  assert.deepEqual(dailyRows({ days: [day('2026-05-01', ['x'], 1, null, 3)] }).map((r) => r.at(-1)), ['unpriced']);
});

test('blockRows: newest first, UTC times, active marked', () => {
  const block = (start, active) => ({ start_ms: start, end_ms: start + 5 * 3600_000, models: ['claude-opus-4-7'],
    requests: 2, input: 8, output: 179, cache_read: 3000, cache_write: 600, cost_usd: '0.01089', unpriced_requests: 0, active });
  const rows = blockRows({ blocks: [block(Date.UTC(2026, 4, 1, 10), false), block(Date.UTC(2026, 4, 2, 0), true)] });
  assert.equal(rows[0][0], '2026-05-02 00:00 – 05:00 (active)');
  assert.deepEqual(rows[1], ['2026-05-01 10:00 – 15:00', 'claude-opus-4-7', '2', '8', '179', '3,000', '600', '$0.01']);
});

test('dailyPath: the source filter only when one is chosen', () => {
  assert.equal(dailyPath('', '2026-05-01', '2026-05-30'), '/api/agents/daily?start=2026-05-01&end=2026-05-30');
  assert.equal(dailyPath('codex', '2026-05-01', '2026-05-01'), '/api/agents/daily?start=2026-05-01&end=2026-05-01&source=codex');
});
