// Bundles the tokenizer (gpt-tokenizer, o200k_base, from the pinned npm package) into
// extension/dist/tokenizer.js, an ES module the service worker imports, and writes the encoding's
// rank table to extension/dist/o200k_base.json, which the worker fetches after starting (see
// tokenizer-core.js). Everything else in the extension is plain source loaded as is.
// Usage: node extension/build.mjs (from any directory).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import bpe from 'gpt-tokenizer/esm/bpeRanks/o200k_base';

const here = path.dirname(fileURLToPath(import.meta.url));

const started = performance.now();
const result = await build({
  entryPoints: [path.join(here, 'tokenizer-core.js')],
  outfile: path.join(here, 'dist', 'tokenizer.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  minify: true,
  legalComments: 'eof', // keeps gpt-tokenizer's MIT notice in the bundle
  metafile: true,
  logLevel: 'warning',
});
const ranks = JSON.stringify(bpe);
fs.writeFileSync(path.join(here, 'dist', 'o200k_base.json'), ranks);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
const ms = Math.round(performance.now() - started);
console.log(`extension/dist/tokenizer.js: ${(bytes / 1e3).toFixed(0)} kB, dist/o200k_base.json: ${(ranks.length / 1e6).toFixed(2)} MB, in ${ms} ms`);
