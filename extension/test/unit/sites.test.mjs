// Each site parser on fixtures rebuilt from public captures and clients (each names its source): the
// request is recognised, the prompt, model and conversation read, and the streamed reply gives the
// same text however the stream is cut into chunks, at any byte (inside UTF-8 sequences too), as the
// page hook's TextDecoderStream hands them over.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fixtureNames, loadSites, readFixture } from './load.mjs';

const sites = await loadSites();
const siteFor = (url) => sites.find((s) => s.hosts.includes(new URL(url).hostname));

/**
 * Feeds a reply's raw bytes to a fresh parser in pieces of `size` bytes, decoded as a stream, so a
 * piece may end inside a UTF-8 sequence (frames: one line each); answers the parser.
 */
function feedBytes(site, bytes, size) {
  const parser = site.createReplyParser();
  if (site.transports.includes('websocket')) {
    bytes.toString('utf8').split('\n').filter(Boolean).forEach((frame) => parser.push(frame));
    return parser;
  }
  const decoder = new TextDecoder();
  for (let i = 0; i < bytes.length; i += size) {
    const chunk = decoder.decode(bytes.subarray(i, i + size), { stream: true });
    if (chunk) parser.push(chunk);
  }
  const tail = decoder.decode();
  if (tail) parser.push(tail);
  return parser;
}

/** The same for a reply given as text. */
const feed = (site, reply, size) => feedBytes(site, Buffer.from(reply, 'utf8'), size);

const parse = (site, reply, size) => feed(site, reply, size).finish();

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
  test(`${name}: request, prompt, model and streamed reply`, () => {
    const { expected, request, replyBytes } = readFixture(name);
    assert.ok(expected.source && expected.date, 'the fixture names its source and date');
    const site = siteFor(expected.url);
    assert.ok(site, `a site for ${expected.url}`);
    assert.equal(site.matchRequest(new URL(expected.url), expected.method), true);
    if (expected.promptUrl) assert.equal(site.matchPromptRequest(new URL(expected.promptUrl), 'POST'), true);
    assert.equal(site.extractPrompt(request), expected.prompt);
    const requestInfo = site.requestInfo(request, new URL(expected.url));
    for (const size of [replyBytes.length, 1, 7, 64, 1000]) {
      const parser = feedBytes(site, replyBytes, size);
      assert.equal(parser.finish(), expected.reply, `chunks of ${size} bytes`);
      assert.equal(parser.info.model ?? requestInfo.model, expected.model, 'model');
      assert.equal(parser.info.conversation ?? requestInfo.conversation, expected.conversation, 'conversation');
      assert.equal(parser.info.refused, false);
    }
  });
}

test('a reply read while it streams only grows, and ends at the final text', () => {
  for (const name of fixtureNames()) {
    const { expected, replyBytes } = readFixture(name);
    const site = siteFor(expected.url);
    if (site.transports.includes('websocket')) continue;
    const parser = site.createReplyParser();
    const decoder = new TextDecoder();
    let previous = '';
    for (let i = 0; i < replyBytes.length; i += 97) {
      parser.push(decoder.decode(replyBytes.subarray(i, i + 97), { stream: true }));
      const now = parser.peek();
      assert.ok(now.length >= previous.length, `${name}: text so far never shrinks`);
      previous = now;
    }
    assert.equal(parser.finish(), expected.reply, name);
  }
});

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
    ['https://chat.mistral.ai/api/trpc/message.newChat', 'POST'], // a prompt request, not a reply
    ['https://chatgpt.com/backend-anon/f/conversation/prepare', 'POST'],
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
  const parser = feed(claude, refused, refused.length);
  assert.equal(parser.finish(), '');
  assert.equal(parser.info.refused, true, 'a refusal is not an unreadable reply');
});

test("the page hook's protocol half equals shared/protocol.js", async () => {
  await import('../../shared/protocol.js');
  const { PAGE_TAG, MSG } = globalThis.LLM_USAGE_PROTOCOL;
  const { PORT_EVENT, CHANNEL_EVENT, READY_EVENT } = globalThis.LLM_USAGE_PROTOCOL;
  assert.deepEqual({ ...globalThis.__llmUsageSites.protocol }, { PAGE_TAG, USAGE: MSG.USAGE, WAKE: MSG.WAKE, PORT_EVENT, CHANNEL_EVENT, READY_EVENT });
});

test('ChatGPT v1: replace and truncate on a part, as chat2api applies them', () => {
  const chatgpt = siteFor('https://chatgpt.com/');
  const ev = (o) => `data: ${JSON.stringify(o)}\n\n`;
  const stream = ev('v1') +
    ev({ p: '', o: 'add', v: { message: { id: 'a', author: { role: 'assistant' }, content: { content_type: 'text', parts: [''] }, metadata: {} } } }) +
    ev({ p: '/message/content/parts/0', o: 'append', v: 'Draft text' }) +
    ev({ v: [{ p: '/message/content/parts/0', o: 'truncate', v: 5 }, { p: '/message/content/parts/0', o: 'append', v: ' done' }] }) +
    ev({ p: '/message/content/parts/1', o: 'replace', v: '!' });
  assert.equal(parse(chatgpt, stream, 9), 'Draft done!');
});
