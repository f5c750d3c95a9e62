import assert from 'node:assert/strict';
import test from 'node:test';

import {
  EXTRA_SITE_COLOURS, MODEL_COLOURS, OTHERS_COLOUR, SITE_COLOURS, assignColours, modelColours, siteColours,
} from '../static/js/colours.js';

test('a known site has its own colour; the others never share one when shown together', () => {
  const hosts = ['claude.ai', 'chatgpt.com', ...Array.from({ length: 8 }, (_, i) => `s${i}.example`)];
  const colours = siteColours(hosts);
  assert.equal(colours['claude.ai'], SITE_COLOURS['claude.ai']);
  assert.equal(new Set(Object.values(colours)).size, hosts.length);
});

test('the colours do not depend on the order or the amounts, only on the name', () => {
  const a = siteColours(['x.example', 'claude.ai', 'y.example']);
  const b = siteColours(['y.example', 'x.example', 'claude.ai']);
  assert.deepEqual(a, b);
  assert.equal(siteColours(['x.example'])['x.example'], a['x.example']);
});

test('CLIProxy models have a palette of their own: never a site colour, never grey', () => {
  const sites = new Set([...Object.values(SITE_COLOURS), ...EXTRA_SITE_COLOURS, OTHERS_COLOUR]);
  for (const colour of MODEL_COLOURS) assert.ok(!sites.has(colour), colour);
  const models = modelColours(['claude-sonnet-4-5', 'gpt-4o', 'gemini-2.5-pro']);
  for (const colour of Object.values(models)) assert.ok(MODEL_COLOURS.includes(colour));
  assert.equal(new Set(Object.values(models)).size, 3);
});

test('more names than colours: each still gets one', () => {
  const names = Array.from({ length: 20 }, (_, i) => `m${i}`);
  const colours = assignColours(names, ['#000', '#111']);
  assert.equal(Object.keys(colours).length, 20);
});
