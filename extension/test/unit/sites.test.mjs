// Each site parser on recorded-style fixtures: the request is recognised, the prompt extracted, and
// the streamed reply gives the same text however the stream is cut into chunks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixtureNames, loadSites, readFixture } from './load.mjs';

const sites = await loadSites();
const siteFor = (url) => sites.find((s) => s.hosts.includes(new URL(url).hostname));

/** Feeds text to a fresh reply parser in pieces of `size` characters (or per line for frames). */
function parse(site, reply, size) {
  const parser = site.createReplyParser();
  if (site.transports.includes('websocket')) {
    reply.split('\n').filter(Boolean).forEach((frame) => parser.push(frame));
  } else {
    for (let i = 0; i < reply.length; i += size) parser.push(reply.slice(i, i + size));
  }
  return parser.finish();
}

test('every site has the one interface, and no host belongs to two sites', () => {
  const seen = new Set();
  for (const s of sites) {
    assert.equal(typeof s.id, 'string');
    assert.equal(typeof s.exact, 'boolean');
    for (const fn of ['matchRequest', 'extractPrompt', 'createReplyParser']) assert.equal(typeof s[fn], 'function', `${s.id}.${fn}`);
    for (const h of s.hosts) {
      assert.ok(!seen.has(h), h);
      seen.add(h);
    }
  }
  assert.deepEqual(sites.map((s) => s.id).sort(), ['chatgpt', 'claude', 'copilot', 'deepseek', 'gemini', 'grok', 'mistral', 'perplexity']);
  assert.deepEqual(sites.filter((s) => s.exact).map((s) => s.id), ['chatgpt']);
});

for (const name of fixtureNames()) {
  test(`${name}: request, prompt and streamed reply`, () => {
    const { expected, request, reply } = readFixture(name);
    const site = siteFor(expected.url);
    assert.ok(site, `a site for ${expected.url}`);
    assert.equal(site.matchRequest(new URL(expected.url), expected.method), true);
    assert.equal(site.extractPrompt(request), expected.prompt);
    for (const size of [reply.length, 1, 7, 64]) assert.equal(parse(site, reply, size), expected.reply, `chunks of ${size}`);
  });
}

test('other traffic of the same sites is not matched', () => {
  const no = [
    ['https://chatgpt.com/backend-api/f/conversation/prepare', 'POST'],
    ['https://chatgpt.com/backend-api/sentinel/chat-requirements', 'POST'],
    ['https://chatgpt.com/backend-api/conversation', 'GET'],
    ['https://chatgpt.com/ces/v1/t', 'POST'],
    ['https://chatgpt.com/backend-api/lat/r', 'POST'],
    ['https://claude.ai/api/organizations/o/chat_conversations/c', 'POST'],
    ['https://gemini.google.com/_/BardChatUi/data/batchexecute?rpcids=x', 'POST'],
    ['https://www.perplexity.ai/rest/event/analytics', 'POST'],
    ['https://www.perplexity.ai/rest/autosuggest/list-autosuggest', 'POST'],
    ['https://grok.com/rest/app-chat/conversations', 'GET'],
    ['https://chat.mistral.ai/api/chat', 'GET'],
  ];
  for (const [url, method] of no) assert.equal(siteFor(url).matchRequest(new URL(url), method), false, `${method} ${url}`);
  const gemini = siteFor('https://gemini.google.com/');
  const u1 = 'https://gemini.google.com/u/1/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate?rt=c';
  assert.equal(gemini.matchRequest(new URL(u1), 'POST'), true);
  assert.equal(siteFor('https://bard.google.com/'), gemini);
});

test('bad or refused answers give no text and never throw', () => {
  const claude = siteFor('https://claude.ai/');
  const refused = '{"type":"error","error":{"type":"rate_limit_error","message":"limit"}}';
  for (const site of sites) {
    assert.equal(site.extractPrompt('not json'), '', site.id);
    assert.equal(site.extractPrompt(''), '', site.id);
    assert.equal(parse(site, 'data: {broken\n\n\u0000garbage\n', 3), '', site.id);
  }
  assert.equal(parse(claude, refused, refused.length), '');
});

test("the page hook's protocol half equals shared/protocol.js", async () => {
  await import('../../shared/protocol.js');
  const { PAGE_TAG, MSG } = globalThis.LLM_USAGE_PROTOCOL;
  assert.deepEqual({ ...globalThis.__llmUsageSites.protocol }, { PAGE_TAG, USAGE: MSG.USAGE });
});
