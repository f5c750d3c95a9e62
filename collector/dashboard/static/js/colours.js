// Fixed colours: a site keeps its colour whatever the range, the order or the other sites shown, and
// CLIProxy models draw from a palette of their own, so a model is never drawn in a site's colour.

// The sites the extension watches, each with its own colour (Okabe-Ito and Tableau hues, chosen to stay
// apart for colour-blind readers and legible on a light and a dark background).
export const SITE_COLOURS = {
  'chatgpt.com': '#009E73',
  'chat.openai.com': '#009E73',
  'claude.ai': '#D55E00',
  'gemini.google.com': '#0072B2',
  'bard.google.com': '#0072B2',
  'www.perplexity.ai': '#56B4E9',
  'perplexity.ai': '#56B4E9',
  'chat.deepseek.com': '#4E79A7',
  'grok.com': '#CC79A7',
  'copilot.microsoft.com': '#E69F00',
  'chat.mistral.ai': '#999933',
};
// Any other site: picked by a hash of its name from hues none of the sites above use.
export const EXTRA_SITE_COLOURS = ['#59A14F', '#B07AA1', '#9D7660', '#76B7B2', '#FF9DA7', '#F1CE63', '#86BCB6', '#D37295'];
// CLIProxy models: ColorBrewer Dark2/Paired hues, none of them a site's colour.
export const MODEL_COLOURS = [
  '#7570B3', '#E7298A', '#66A61E', '#A6761D', '#6A3D9A', '#E31A1C', '#17BECF', '#BCBD22',
  '#FDBF6F', '#CAB2D6', '#B2DF8A', '#FB9A99',
];
export const OTHERS_COLOUR = '#9AA0A6';

/** A small stable string hash (FNV-1a), so a name maps to the same slot in every browser. */
export function hashName(name) {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i += 1) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Colours for the names shown together: a known site has its own; any other name takes its hash's slot
 * of `palette`, or the next free one when another name shown already holds it (names taken in sorted
 * order, so the result depends only on which names are shown, never on their order or amounts).
 */
export function assignColours(names, palette, known = {}) {
  const out = {};
  const taken = new Set();
  for (const name of names) {
    if (known[name]) {
      out[name] = known[name];
      taken.add(known[name]);
    }
  }
  for (const name of [...names].filter((n) => !known[n]).sort()) {
    const start = hashName(name) % palette.length;
    let colour = palette[start];
    for (let step = 1; step < palette.length && taken.has(colour); step += 1) {
      colour = palette[(start + step) % palette.length];
    }
    out[name] = colour;
    taken.add(colour);
  }
  return out;
}

export const siteColours = (hosts) => assignColours(hosts, EXTRA_SITE_COLOURS, SITE_COLOURS);
export const modelColours = (models) => assignColours(models, MODEL_COLOURS);
