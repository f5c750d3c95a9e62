// Token counting with gpt-tokenizer (o200k_base), bundled by extension/build.mjs into dist/.
// Chrome forbids import() in service workers, so the bundle is a static import: run `npm run build`
// before loading the extension. If counting itself fails, the count falls back to a labelled estimate.
import { countText, ENCODING } from '../dist/tokenizer.js';

export const ESTIMATE = 'estimate';

/** Rough tokens of text when the tokenizer is unusable: about 4 characters a token for English. */
export function estimateTokens(text) {
  return Math.ceil(text.length / 4);
}

/** Answers {tokens, method}; method is 'o200k_base', or 'estimate' when the tokenizer failed. */
export function count(text) {
  try {
    return { tokens: countText(text), method: ENCODING };
  } catch {
    return { tokens: estimateTokens(text), method: ESTIMATE };
  }
}
