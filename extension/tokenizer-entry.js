// Build input, not loaded by Chrome: extension/build.mjs bundles this with gpt-tokenizer into
// dist/tokenizer.js. The Node tests import this same file, so both count with the same call.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

export const ENCODING = 'o200k_base';

// Text that merely looks like a special token ("<|endoftext|>") is counted as ordinary text
// instead of throwing, as the chat apps themselves treat it.
const OPTIONS = { disallowedSpecial: new Set() };

export function countText(text) {
  return countTokens(text, OPTIONS);
}
