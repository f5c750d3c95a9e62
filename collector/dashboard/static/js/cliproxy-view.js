// The CLIProxy section: shown only when /api/collector/health says the source is on.

import { getJson } from './api.js';
import { costRows, costSeries, cliproxyToday, limitGauge, pricedModels } from './cliproxy.js';
import { drawChart, el, table } from './render.js';

const $ = (id) => document.getElementById(id);
const state = { daily: null, models: null, today: null, range: null };

/** Fetch what the section needs for the dates of `range`; hides it (and resolves false) when the source is off. */
export async function loadCliproxy(key, range) {
  const health = await getJson('/api/collector/health', key);
  if (!health?.cliproxy?.enabled) {
    $('cliproxy').hidden = true;
    return false;
  }
  state.today = cliproxyToday(health);
  const dates = `from=${range.from}&to=${range.to}`;
  const [daily, models, limits] = await Promise.all([
    getJson(`/api/collector/stats/daily?${dates}`, key),
    getJson(`/api/collector/stats/models?${dates}`, key),
    getJson('/api/collector/limits/status', key),
  ]);
  Object.assign(state, { daily, models, range });
  showLimits(limits.limits, Date.now());
  const source = health.cliproxy;
  $('cliproxy-note').textContent = source.last_error
    ? `Last poll failed: ${source.last_error}`
    : `Days in the CLIProxy time zone; today is ${state.today}.`;
  $('cliproxy').hidden = false;
  return true;
}

function showLimits(limits, nowMs) {
  const gauges = limits.map((limit) => limitGauge(limit, nowMs)).map((g) => el('div', { class: `gauge ${g.level}`, 'data-limit': String(g.id) },
    el('strong', {}, g.title),
    el('meter', { min: '0', max: '100', low: '70', high: '90', optimum: '0', value: String(g.usedPercent), title: `${g.usedPercent}% used` }),
    el('div', { class: 'meta' }, `${g.usedPercent}% used · ${g.label}`),
    el('div', { class: 'meta reset' }, g.reset)));
  $('limits').replaceChildren(gauges.length ? el('div', { class: 'gauges' }, ...gauges)
    : el('p', { class: 'note' }, 'No rate limits configured (POST /api/collector/limits).'));
}

/** Draw cost per model per day for the dates fetched by loadCliproxy (the chart's range). */
export function showCosts(range, Chart, theme) {
  if (!state.daily || state.range?.from !== range.from || state.range?.to !== range.to) return;
  const data = costSeries(state.daily, range);
  const priced = pricedModels(state.models);
  const rows = costRows(data, priced);
  $('costs').replaceChildren(table(['date', ...data.series.map((s) => s.label)], rows.map((r) => [r.day, ...r.cells])));
  $('cost-chart-box').hidden = !Chart || !data.series.length;
  if (!Chart) $('cost-table-box').open = true;
  const marked = data.series.map((s) => (priced.has(s.label) || s.hosts ? s : { ...s, label: `${s.label} (unpriced)` }));
  if (Chart && data.series.length) drawChart(Chart, $('cost-chart'), { ...data, series: marked }, { money: true, theme, legend: true });
}
