// Reads of the drawn page for the browser tests. The functions passed to page.evaluate run in the page.

/** What the chart holds and whether each period has a drawn bar, read from the Chart.js instance. */
export function readChart() {
  const chart = globalThis.Chart.getChart(document.getElementById('chart'));
  const metas = chart.getSortedVisibleDatasetMetas();
  return {
    labels: chart.data.labels,
    datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data, colour: d.backgroundColor })),
    drawn: chart.data.labels.map((_, i) => metas.some((m) => Math.abs(m.data[i].base - m.data[i].y) >= 1)),
    canvas: { width: chart.width, height: chart.height },
  };
}

/** Each site's colour in the chart and in the list of totals (they must agree), and the chart's order. */
export function readColours() {
  const chart = globalThis.Chart.getChart(document.getElementById('chart'));
  const colours = Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.backgroundColor]));
  for (const li of document.querySelectorAll('#site-totals li')) {
    const swatch = getComputedStyle(li.querySelector('.swatch')).backgroundColor;
    const hex = colours[li.dataset.host];
    const rgb = hex && `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    if (rgb && rgb !== swatch) throw new Error(`${li.dataset.host}: ${swatch} in the list, ${hex} in the chart`);
  }
  return { colours, order: chart.data.datasets.map((d) => d.label) };
}

/** Move the real mouse over the bar of period `index`; resolves to the tooltip's lines and footer. */
export async function hover(page, index) {
  const point = await page.evaluate((i) => {
    const canvas = document.getElementById('chart');
    const chart = globalThis.Chart.getChart(canvas);
    const bar = chart.getDatasetMeta(0).data[i];
    const box = canvas.getBoundingClientRect();
    return { x: box.left + bar.x, y: box.top + chart.chartArea.bottom - 5 };
  }, index);
  await page.mouse.move(point.x, point.y);
  await page.waitForFunction(() => globalThis.Chart.getChart(document.getElementById('chart')).tooltip.opacity > 0);
  return page.evaluate(() => {
    const tip = globalThis.Chart.getChart(document.getElementById('chart')).tooltip;
    return { title: tip.title, lines: tip.body.flatMap((b) => b.lines), footer: tip.footer };
  });
}

/** WCAG contrast ratio of two CSS colours, computed in the page (it parses any CSS colour). */
export function contrast(page, a, b) {
  return page.evaluate(([x, y]) => {
    const probe = document.createElement('canvas').getContext('2d');
    const luminance = (css) => {
      probe.clearRect(0, 0, 1, 1);
      probe.fillStyle = css;
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      const lin = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  }, [a, b]);
}
