// Chart text and grid colours from the page's CSS variables, so the axes, legend and grid stay legible
// in the dark scheme as in the light one (Chart.js's defaults are grey on transparent, tuned for white).

const DARK = '(prefers-color-scheme: dark)';

/** { text, muted, grid } as the stylesheet sets them for the current colour scheme. */
export function chartTheme(root = document.documentElement) {
  const style = getComputedStyle(root);
  const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return { text: read('--fg', '#1f2328'), muted: read('--muted', '#59636e'), grid: read('--grid', '#d1d9e0') };
}

/** Call `redraw` when the reader's system switches between light and dark. */
export function onSchemeChange(redraw) {
  globalThis.matchMedia?.(DARK).addEventListener('change', () => redraw());
}
