// Drawing: the Chart.js stacked bars when the vendor file is there, a table always (the fallback).

import { formatUsd } from './cliproxy.js';
import { formatTokens } from './usage.js';

/** Load the chart code copied in by build.mjs; resolves to window.Chart, or null when it is missing. */
export function loadChartLib(src = '/dashboard/static/vendor/chart.umd.min.js') {
  if (globalThis.Chart) return Promise.resolve(globalThis.Chart);
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(globalThis.Chart ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
}

function chartConfig(data, { money = false } = {}) {
  const format = money ? formatUsd : formatTokens;
  const exact = money ? (v) => formatUsd(v) : (v) => v.toLocaleString();
  return {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: data.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.colour })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked: true, ticks: { callback(value) { return this.getLabelForValue(value).slice(5); } } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: (value) => format(value) } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${exact(ctx.parsed.y)}` } },
      },
    },
  };
}

/** Draw into the canvas, or update the chart already there (no new canvas, no leak). */
export function drawChart(Chart, canvas, data, options = {}) {
  const existing = Chart.getChart(canvas);
  if (!existing) return new Chart(canvas, chartConfig(data, options));
  const config = chartConfig(data, options);
  existing.data = config.data;
  existing.update();
  return existing;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A plain table; every cell is set as text, never as HTML. */
export function table(headers, rows) {
  const head = el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)));
  const body = rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el(i ? 'td' : 'th', i ? {} : { scope: 'row' }, c))));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

export function usageTable(data, rows) {
  const headers = ['date', ...data.series.map((s) => s.label), 'total'];
  const cells = rows.map((r) => [r.day, ...r.values.map((v) => v.toLocaleString()), r.total.toLocaleString()]);
  return table(headers, cells);
}

export { el };
