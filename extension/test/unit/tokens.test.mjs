// Token counting: the extension's tokenizer entry counts exactly as gpt-tokenizer's o200k_base, the
// built bundle (when present) counts the same, and special-token look-alikes are ordinary text.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { countText, ENCODING } from '../../tokenizer-entry.js';
import { EXT, fixtureNames, readFixture } from './load.mjs';

const samples = ['', 'hello world', 'Rayleigh scattering 🌅 — ünïcödé', 'def f(x):\n    return x ** 2\n', '日本語のテキスト'];

test('countText is o200k_base countTokens', () => {
  assert.equal(ENCODING, 'o200k_base');
  for (const s of samples) assert.equal(countText(s), countTokens(s), JSON.stringify(s));
  for (const name of fixtureNames()) {
    const { expected } = readFixture(name);
    assert.equal(countText(expected.reply), encode(expected.reply).length, name);
  }
});

test('text that looks like a special token is counted, not rejected', () => {
  assert.throws(() => countTokens('a <|endoftext|> b'));
  assert.ok(countText('a <|endoftext|> b') > 3);
});

test('the built bundle and rank table count the same as the source entry', async (t) => {
  const bundle = path.join(EXT, 'dist', 'tokenizer.js');
  if (!fs.existsSync(bundle)) return t.skip('extension/dist/tokenizer.js not built: run npm run build');
  const built = await import(pathToFileURL(bundle).href);
  const builtCount = built.createCounter(JSON.parse(fs.readFileSync(path.join(EXT, 'dist', 'o200k_base.json'), 'utf8')));
  assert.equal(built.ENCODING, ENCODING);
  for (const s of samples) assert.equal(builtCount(s), countText(s));
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(2300);
  assert.equal(builtCount(long), countTokens(long));
});
