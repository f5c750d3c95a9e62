// Token counting with gpt-tokenizer (o200k_base), bundled by extension/build.mjs into dist/: the
// encoder code (dist/tokenizer.js, a static import: Chrome forbids import() in service workers) and
// its rank table (dist/o200k_base.json), fetched once the worker has started, so that starting the
// worker (and receiving a closing tab's last hand-over) does not wait for the 2 MB table. Run
// `npm run build` before loading the extension. If counting fails, the count is a labelled estimate.
import { createCounter, ENCODING } from '../dist/tokenizer.js';

export const ESTIMATE = 'estimate';

let counter = null; // Promise of countText, started at worker start; dropped again if it failed

function loadCounter() {
  counter ??= fetch(chrome.runtime.getURL('dist/o200k_base.json'))
    .then((res) => res.json())
    .then(createCounter)
    .catch((error) => {
      counter = null; // try again on the next count
      throw error;
    });
  return counter;
}

/** Starts loading the rank table now, off the path of the first event. */
export function warmUp() {
  loadCounter().catch(() => {});
}

/** Rough tokens of text when the tokenizer is unusable: about 4 characters a token for English. */
export function estimateTokens(text) {
  return Math.ceil(text.length / 4);
}

/** Answers {tokens, method}; method is 'o200k_base', or 'estimate' when the tokenizer failed. */
export async function count(text) {
  try {
    const countText = await loadCounter();
    return { tokens: countText(text), method: ENCODING };
  } catch {
    return { tokens: estimateTokens(text), method: ESTIMATE };
  }
}
