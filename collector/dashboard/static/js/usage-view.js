// The "tokens per period and site" section and the cards above it: DOM only; the shaping is in
// usage.js, the dates in range.js. Another section (costs, agents) can sit beside it the same way.

import { drawChart, el, usageTable } from './render.js';
import {
  chartSeries, formatExact, formatShare, formatTokens, periodTotals, siteTotals, tableRows,
} from './usage.js';

const $ = (id) => document.getElementById(id);

/** A card: the short figure, the exact one on hover (and for screen readers). */
function setCard(id, tokens) {
  const node = $(id);
  node.textContent = formatTokens(tokens);
  node.title = `${formatExact(tokens)} tokens`;
  node.setAttribute('aria-label', `${formatExact(tokens)} tokens`);
}

/** What to do when nothing was recorded in the range. */
function emptyHint(range) {
  const where = `${location.origin}`;
  return [
    el('p', {}, el('strong', {}, `Nothing recorded from ${range.from} to ${range.to}.`)),
    el('p', {}, 'To record usage, install the browser extension and give it this collector\'s address (',
      el('code', {}, where), ') and API key: see ', el('code', {}, 'docs/install.md'),
      ', "Load the extension", in the project folder. Counts appear here within a minute of using a site.'),
  ];
}

function showSiteTotals(sites) {
  $('site-totals').replaceChildren(...sites.map((s) => el('li', { 'data-host': s.host },
    el('span', { class: 'swatch' }), el('span', { class: 'host' }, s.host),
    el('span', { class: 'tokens', title: `${formatExact(s.tokens)} tokens` }, formatExact(s.tokens)),
    el('span', { class: 'share' }, formatShare(s.share)))));
  // Colours set through the CSSOM: the strict CSP refuses inline style attributes, not this.
  $('site-totals').querySelectorAll('.swatch').forEach((swatch, i) => { swatch.style.background = sites[i].colour; });
}

/**
 * Fill the section and the cards from the two answers; the chart first, as the reader looks there
 * first (`performance.mark('chart-drawn')` is what bench/dashboard/page_bench.mjs times).
 */
export function showUsage({ report, cards, range, today, Chart, theme }) {
  const data = chartSeries(report);
  $('chart-box').hidden = !Chart;
  $('chart-note').hidden = Boolean(Chart);
  if (Chart) {
    drawChart(Chart, $('chart'), data, { theme });
    performance.mark('chart-drawn');
  } else {
    $('table-box').open = true;
  }
  $('group-name').textContent = range.group;
  $('range-total').textContent = formatExact(data.total);
  const date = (iso) => el('span', { class: 'date' }, iso);
  $('range-dates').replaceChildren(...(range.from === range.to ? ['on ', date(range.from)]
    : ['from ', date(range.from), ' to ', date(range.to)]));
  showSiteTotals(siteTotals(report, data));
  const empty = data.total === 0;
  $('empty-note').hidden = !empty;
  if (empty) $('empty-note').replaceChildren(...emptyHint(range));
  $('table').replaceChildren(usageTable(data, tableRows(data)));
  $('zone-note').textContent = `Days are counted in the collector's time zone, ${report.bucket_timezone}; today is ${today}.`
    + (range.group === 'week' ? ' A week starts on Monday and is named by that date.' : '');

  const totals = periodTotals(cards, today);
  setCard('total-today', totals.today);
  setCard('total-week', totals.week);
  setCard('total-month', totals.month);
  return data;
}

/** Show which range and grouping are chosen. */
export function markView(view) {
  for (const button of document.querySelectorAll('[data-days]')) {
    button.setAttribute('aria-pressed', String(Number(button.dataset.days) === view.days));
  }
  $('custom-toggle').setAttribute('aria-pressed', String(!view.days));
  for (const button of document.querySelectorAll('[data-group]')) {
    button.setAttribute('aria-pressed', String(button.dataset.group === view.group));
  }
  if (!view.days) {
    $('from-input').value = view.from;
    $('to-input').value = view.to;
  }
}

export function showRangeError(message) {
  $('range-error').textContent = message;
  $('range-error').hidden = !message;
}

/**
 * Wire the range, group, custom-range and download controls. `choose(view)` applies a new view;
 * `current()` is the view shown; `download()` saves the CSV of it.
 */
export function wireControls({ current, choose, download }) {
  for (const button of document.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => choose({ days: Number(button.dataset.days), group: current().group }));
  }
  for (const button of document.querySelectorAll('[data-group]')) {
    button.addEventListener('click', () => choose({ ...current(), group: button.dataset.group }));
  }
  $('custom-toggle').addEventListener('click', () => {
    const form = $('custom-range');
    form.hidden = !form.hidden;
    $('custom-toggle').setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) $('from-input').focus();
  });
  $('custom-range').addEventListener('submit', (event) => {
    event.preventDefault();
    choose({ from: $('from-input').value, to: $('to-input').value, group: current().group });
  });
  $('download-csv').addEventListener('click', () => download());
}
