// Drawing: the Chart.js stacked bars when the vendor file is there, a table always (the fallback).

import { formatUsd } from './cliproxy.js';
import { periodName, periodTick } from './range.js';
import { formatExact, formatTokens } from './usage.js';

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

/**
 * The stacked bars. Axis, legend and grid take the theme's colours; the y axis counts whole tokens
 * (never 0.1 ... 1 when nothing was recorded); the tooltip lists only the sites with something that
 * period, exactly, and ends with the period's total.
 */
export function chartConfig(data, { money = false, theme, legend = false } = {}) {
  const format = money ? formatUsd : formatTokens;
  const exact = money ? formatUsd : formatExact;
  const group = data.group ?? 'day';
  const colours = theme ?? { text: '#1f2328', muted: '#59636e', grid: '#d1d9e0' };
  const axis = (extra) => ({
    stacked: true,
    grid: { color: colours.grid },
    border: { color: colours.grid },
    ticks: { color: colours.muted, ...extra },
  });
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
        x: { ...axis({ callback(value) { return periodTick(this.getLabelForValue(value), group); } }), grid: { display: false } },
        y: { ...axis({ callback: (value) => format(value), precision: money ? undefined : 0 }), beginAtZero: true },
      },
      plugins: {
        // The page's list of per-site totals is the legend (swatch, name, exact total, share) unless asked.
        legend: { display: legend, position: 'bottom', labels: { boxWidth: 12, color: colours.text } },
        tooltip: {
          filter: (item) => item.parsed.y !== 0,
          callbacks: {
            title: (items) => (items.length ? periodName(data.labels[items[0].dataIndex], group) : ''),
            label: (ctx) => `${ctx.dataset.label}: ${exact(ctx.parsed.y)}`,
            footer: (items) => {
              const index = items[0]?.dataIndex;
              if (index === undefined) return '';
              const sum = data.series.reduce((n, s) => n + s.data[index], 0);
              return `Total: ${exact(sum)}`;
            },
          },
        },
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
  existing.options = config.options; // the group (ticks) or the colour scheme may have changed
  existing.update();
  return existing;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A plain table; every cell is set as text, never as HTML. `footer`: one more row, under the body. */
export function table(headers, rows, footer = null) {
  const head = el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)));
  const row = (cells) => el('tr', {}, ...cells.map((c, i) => el(i ? 'td' : 'th', i ? {} : { scope: 'row' }, c)));
  const parts = [el('thead', {}, head), el('tbody', {}, ...rows.map(row))];
  if (footer) parts.push(el('tfoot', {}, row(footer)));
  return el('table', {}, ...parts);
}

/** A host name that may wrap after each dot (gemini.<wbr>google.<wbr>com), never inside a word. */
function wrappable(name) {
  const parts = name.split('.');
  return el('span', {}, ...parts.flatMap((part, i) => (i < parts.length - 1 ? [`${part}.`, el('wbr')] : [part])));
}

/** The usage table: period, its total first (always in view), then each site; the range total last. */
export function usageTable(data, rows) {
  const group = data.group ?? 'day';
  const headers = [group === 'day' ? 'date' : group, 'total', ...data.series.map((s) => wrappable(s.label))];
  const cells = rows.map((r) => [periodName(r.period, group), formatExact(r.total), ...r.values.map(formatExact)]);
  const sums = data.series.map((s) => s.data.reduce((a, b) => a + b, 0));
  return table(headers, cells, ['range total', formatExact(data.total), ...sums.map(formatExact)]);
}

export { el };
