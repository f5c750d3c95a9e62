import assert from 'node:assert/strict';
import test from 'node:test';

import { costByDay, costPath, dailyTable, formatCost, rangeTotals, soleSectionSource, subscriptionLines } from '../static/js/cost.js';

const row = (period, host, model, cost, extra = {}) => ({
  period, host, model, input: 100, output: 50, context: 200, turns: 1, cache_read: 0, cache_write: 0,
  cost_usd: cost, priced: cost === null ? 'none' : 'all', ...extra,
});
// A trimmed `GET /usage?by=model&group=day` answer.
const report = {
  rows: [
    row('2026-11-01', 'chatgpt.com', 'gpt-5', '1.500000'),
    row('2026-11-01', 'claude.ai', null, null),
    row('2026-11-02', 'chatgpt.com', 'gpt-5', '0.500000'),
    row('2026-11-02', 'cliproxy', 'gpt-4o', '2.000000', { cache_read: 10 }),
  ],
  totals: { cost_usd: '4.000000', unpriced_rows: 1 },
  sources: { web: { cost_usd: '2.000000', unpriced_rows: 1 }, cliproxy: { cost_usd: '2.000000', unpriced_rows: 0 } },
};

test('costPath asks for by=model', () => {
  assert.equal(costPath({ from: '2026-11-01', to: '2026-11-02' }), '/usage?from=2026-11-01&to=2026-11-02&group=day&by=model');
});

test('costByDay: USD per site and model per day, unpriced rows have no bar', () => {
  const data = costByDay(report, '2026-11-01', '2026-11-03');
  assert.deepEqual(data.labels, ['2026-11-01', '2026-11-02', '2026-11-03']);
  assert.deepEqual(data.series.map((s) => s.label), ['CLIProxy · gpt-4o', 'ChatGPT · gpt-5']);
  assert.deepEqual(data.series[1].data, [1.5, 0.5, 0]);
});

test('costByDay folds the cheapest into others', () => {
  const many = { rows: Array.from({ length: 5 }, (_, i) => row('2026-11-01', 'grok.com', `m${i}`, String(i + 1))) };
  const data = costByDay(many, '2026-11-01', '2026-11-01', 3);
  assert.deepEqual(data.series.map((s) => s.label), ['Grok · m4', 'Grok · m3', 'others']);
  assert.deepEqual(data.series[2].data, [6]);
});

test('rangeTotals labels web and CLIProxy apart, within the range', () => {
  const totals = rangeTotals(report, '2026-11-01', '2026-11-02');
  assert.deepEqual(totals.parts.map((p) => [p.label, p.usd, p.unpriced]), [['Web chats', 2, 1], ['CLIProxy', 2, 0]]);
  assert.equal(totals.usd, 4);
  assert.equal(totals.unpriced, 1);
  const last = rangeTotals(report, '2026-11-02', '2026-11-02');
  assert.deepEqual(last.parts.map((p) => [p.label, p.usd]), [['Web chats', 0.5], ['CLIProxy', 2]]);
});

test('soleSectionSource: one priced source with its own section, else null', () => {
  assert.equal(soleSectionSource(report, '2026-11-01', '2026-11-02'), null); // web and CLIProxy priced
  assert.equal(soleSectionSource(report, '2026-11-03', '2026-11-03'), null); // nothing priced
  const cliproxyOnly = { ...report, rows: [row('2026-11-02', 'cliproxy', 'gpt-4o', '2.000000'), row('2026-11-02', 'claude.ai', null, null)] };
  assert.equal(soleSectionSource(cliproxyOnly, '2026-11-01', '2026-11-02'), 'CLIProxy');
  const webOnly = { ...report, rows: [row('2026-11-01', 'chatgpt.com', 'gpt-5', '1.500000')] };
  assert.equal(soleSectionSource(webOnly, '2026-11-01', '2026-11-02'), null); // the web has no other chart
  const twoAgents = {
    rows: [row('2026-11-01', 'codex', 'gpt-5', '1.000000'), row('2026-11-01', 'claude-code', 'claude-sonnet-4-5', '2.000000')],
    sources: { web: {}, codex: {}, 'claude-code': {} },
  };
  assert.equal(soleSectionSource(twoAgents, '2026-11-01', '2026-11-01'), null);
});

test('dailyTable: newest first, models listed, unpriced never $0', () => {
  const rows = dailyTable(report);
  assert.deepEqual(rows[0], { day: '2026-11-02', models: 'gpt-4o, gpt-5', input: 210, output: 100, context: 400, cost: '$2.50' });
  assert.equal(rows[1].cost, '$1.50 + unpriced');
  assert.equal(dailyTable({ rows: [row('2026-11-01', 'claude.ai', null, null)] })[0].cost, 'unpriced');
  assert.equal(formatCost(null), 'unpriced');
  assert.equal(formatCost('0.000000'), '$0');
});

test('subscriptionLines: the month at API prices beside what you pay', () => {
  const months = {
    rows: [
      row('2026-10', 'chatgpt.com', 'gpt-5', '12.000000'),
      row('2026-11', 'chatgpt.com', 'gpt-5', '30.200000'),
      row('2026-11', 'chatgpt.com', 'gpt-5-t-mini', '8.000000'),
      row('2026-11', 'claude.ai', 'claude-sonnet-4-5', '5.000000'),
    ],
    subscriptions: [{ host: 'chatgpt.com', usd_per_month: '20.000000' }],
  };
  const lines = subscriptionLines(months);
  assert.deepEqual(lines.map((l) => l.text), [
    'ChatGPT, October: $12.00 at API prices; you pay $20',
    'ChatGPT, November: $38.20 at API prices; you pay $20',
  ]);
  assert.equal(lines[1].apiUsd > lines[1].payUsd, true);
});
