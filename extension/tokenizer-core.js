// Build input, not loaded by Chrome: extension/build.mjs bundles this with gpt-tokenizer into
// dist/tokenizer.js. It is the o200k_base encoder without its 2.8 MB rank table, which build.mjs
// writes to dist/o200k_base.json for the worker to load after it has started (sw/tokens.js): the
// worker then starts in a few milliseconds and receives a closing tab's last hand-over in time,
// instead of first spending 150-300 ms evaluating the table.
import { GptEncoding } from 'gpt-tokenizer/esm/GptEncoding';

export const ENCODING = 'o200k_base';

// Text that merely looks like a special token ("<|endoftext|>") is counted as ordinary text
// instead of throwing, as the chat apps themselves treat it.
const OPTIONS = { disallowedSpecial: new Set() };

/** Answers countText(text) for the o200k_base rank table `ranks` (gpt-tokenizer's bpeRanks). */
export function createCounter(ranks) {
  const api = GptEncoding.getEncodingApi(ENCODING, () => ranks);
  return (text) => api.countTokens(text, OPTIONS);
}
