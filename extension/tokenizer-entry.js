// The tokenizer as Node sees it (unit and browser tests, benchmarks): the same counter the worker
// builds from dist/tokenizer.js and dist/o200k_base.json, built here from the package's rank table.
import bpe from 'gpt-tokenizer/esm/bpeRanks/o200k_base';
import { createCounter, ENCODING } from './tokenizer-core.js';

export { ENCODING };

export const countText = createCounter(bpe);
