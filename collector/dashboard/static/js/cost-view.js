// The cost view: what the tokens of the chosen days would cost on the API, per site and model per
// day, beside the subscriptions; and the unparsed alarm. DOM wiring only (logic in cost.js).

import { getJson } from './api.js';
import { formatUsd } from './cliproxy.js';
import { costByDay, costPath, dailyTable, rangeTotals, soleSectionSource, subscriptionLines } from './cost.js';
import { addDays, monthStart, todayIn } from './dates.js';
import { drawChart, el, table } from './render.js';

const $ = (id) => document.getElementById(id);
const state = { day: null, month: null, range: null, alarms: [] };

/** Fetch the chart's dates by model and day, the last three months by model, and today's unparsed alarm. */
export async function loadWebCost(key, zone, range) {
  const today = todayIn(zone);
  const monthsFrom = monthStart(addDays(monthStart(addDays(monthStart(today), -1)), -1));
  const [day, month, counters] = await Promise.all([
    getJson(costPath({ from: range.from, to: range.to }), key),
    getJson(costPath({ from: monthsFrom, to: today }, 'month'), key),
    getJson('/counters', key),
  ]);
  Object.assign(state, { day, month, range, alarms: counters.unparsed_today ?? [] });
}

function showAlarm() {
  const box = $('unparsed-alarm');
  box.replaceChildren(...state.alarms.map((a) => el('p', { 'data-host': a.host }, `${a.message}.`)));
  box.hidden = state.alarms.length === 0;
}

function card(label, text, note = '') {
  return el('div', { class: 'card' }, el('span', { class: 'label' }, label),
    el('span', { class: 'value' }, text), ...(note ? [el('span', { class: 'label' }, note)] : []));
}

function totalsCards(totals) {
  const shown = (t) => (t.priced ? formatUsd(t.usd) : 'unpriced');
  const note = (t) => (t.unpriced ? 'plus unpriced models' : '');
  const cards = totals.parts.map((p) => card(p.label, shown(p), note(p)));
  if (totals.parts.length > 1) cards.push(card('All together', shown(totals), note(totals)));
  return el('div', { class: 'cards', id: 'webcost-totals' }, ...cards);
}

/** Draw the view for the dates of `range` (the chart's), once loadWebCost has fetched them. */
export function showWebCost(range, Chart, theme) {
  if (!state.day || state.range?.from !== range.from || state.range?.to !== range.to) return;
  showAlarm();
  const { from, to } = range;
  const data = costByDay(state.day, from, to);
  const totals = rangeTotals(state.day, from, to);
  const rows = dailyTable({ rows: state.day.rows.filter((r) => r.period >= from && r.period <= to) });
  const subs = subscriptionLines(state.month);
  const canvas = el('canvas', { id: 'webcost-chart', role: 'img', 'aria-label': 'Stacked bar chart of API-equivalent cost per site and model per day' });
  const chartBox = el('div', { class: 'chart-box', id: 'webcost-chart-box' }, canvas);
  const tableBox = el('details', { id: 'webcost-table-box' }, el('summary', {}, 'Per day and model'),
    el('div', { class: 'table-wrap' }, table(['date', 'models', 'input', 'output', 'context', 'cost'],
      rows.map((r) => [r.day, r.models, r.input.toLocaleString(), r.output.toLocaleString(), r.context.toLocaleString(), r.cost]))));
  const empty = rows.length === 0;
  const sole = soleSectionSource(state.day, from, to);
  $('webcost').replaceChildren(
    el('h2', {}, 'What it would cost on the API'),
    empty ? el('p', { class: 'note', id: 'webcost-empty' }, 'No usage by model in these days yet.') : totalsCards(totals),
    el('ul', { id: 'subscriptions' }, ...subs.map((s) => el('li', { class: s.apiUsd > s.payUsd ? 'pays-off' : 'costs-more' }, s.text))),
    ...(sole ? [el('p', { class: 'note', id: 'webcost-sole' }, `Only ${sole} usage is priced in these days: its cost chart is in the ${sole} section.`)] : []),
    chartBox, tableBox,
    el('p', { class: 'note' }, 'API-equivalent: input and context at the model\'s input price, output at its output price, '
      + 'at the price in force that day (genai-prices). "unpriced" means no known price, never $0.'),
  );
  chartBox.hidden = !Chart || empty || data.series.length === 0 || sole !== null;
  if (!Chart && !empty) tableBox.open = true;
  if (!chartBox.hidden) drawChart(Chart, canvas, data, { money: true, theme, legend: true });
  $('webcost').hidden = false;
}
