// Fake ChatGPT, Claude and Gemini pages built from the unit-test fixtures. Each page exposes
// window.chat(), which sends the fixture's request the way the real app does (fetch with a body,
// fetch with a Request object, XHR) and answers the full reply text the page itself received.
import fs from 'node:fs';
import path from 'node:path';
import { EXT } from './harness.mjs';

export function fixture(name) {
  const dir = path.join(EXT, 'test', 'fixtures', name);
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  const request = fs.existsSync(path.join(dir, 'request.json')) ? read('request.json') : read('request.txt');
  return { expected: JSON.parse(read('expected.json')), request, reply: read('reply.txt') };
}

const page = (script) => `<!doctype html><html><head><meta charset="utf-8"><title>fake</title></head>
<body><p>fake chat page</p><script>${script}</script></body></html>`;

const readAll = `async function readAll(res) {
  const reader = res.body.getReader(); const dec = new TextDecoder(); let out = '';
  for (;;) { const { done, value } = await reader.read(); if (done) break; out += dec.decode(value, { stream: true }); }
  return out + dec.decode();
}`;

function fetchPage(url, request) {
  return page(`${readAll}
window.chat = async () => readAll(await fetch(${JSON.stringify(url)}, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(request)} }));`);
}

function requestObjectPage(url, request) {
  return page(`${readAll}
window.chat = async () => readAll(await fetch(new Request(${JSON.stringify(url)}, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(request)} })));`);
}

function xhrPage(url, request) {
  return page(`window.chat = () => new Promise((resolve, reject) => {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', ${JSON.stringify(url)});
  xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded;charset=UTF-8');
  xhr.onload = () => resolve(xhr.responseText);
  xhr.onerror = () => reject(new Error('xhr failed'));
  xhr.send(${JSON.stringify(request)});
});`);
}

const local = (u) => {
  const url = new URL(u);
  return url.pathname + url.search;
};

/** A fetch-based site served from its fixture: the page sends the request the fixture recorded. */
function fetchSite(name, pageUrl, contentType) {
  const f = fixture(name);
  const path = new URL(f.expected.url).pathname;
  return {
    fixture: f,
    pageUrl,
    page: fetchPage(local(f.expected.url), f.request),
    reply: { method: 'POST', match: (p) => p === path, body: f.reply, contentType },
  };
}

/** The other fetch-based sites, on plain http like the real names allow on loopback. */
export function moreSites() {
  return {
    'www.perplexity.ai': fetchSite('perplexity', 'http://www.perplexity.ai/', 'text/event-stream'),
    'chat.deepseek.com': fetchSite('deepseek', 'http://chat.deepseek.com/', 'text/event-stream'),
    'grok.com': fetchSite('grok', 'http://grok.com/', 'application/json'),
    'chat.mistral.ai': fetchSite('mistral', 'http://chat.mistral.ai/chat', 'text/plain'),
  };
}

/** host -> {fixture, page, reply}: what startSites serves and what the test expects. */
export function fakeSites() {
  const chatgpt = fixture('chatgpt');
  const claude = fixture('claude');
  const gemini = fixture('gemini');
  return {
    'chatgpt.com': {
      fixture: chatgpt,
      pageUrl: 'https://chatgpt.com/',
      page: fetchPage(local(chatgpt.expected.url), chatgpt.request),
      reply: { method: 'POST', match: (p) => p === '/backend-api/f/conversation', body: chatgpt.reply, contentType: 'text/event-stream; charset=utf-8' },
    },
    'claude.ai': {
      fixture: claude,
      pageUrl: 'http://claude.ai/new',
      page: requestObjectPage(local(claude.expected.url), claude.request),
      reply: { method: 'POST', match: (p) => p.endsWith('/completion'), body: claude.reply, contentType: 'text/event-stream; charset=utf-8' },
    },
    'gemini.google.com': {
      fixture: gemini,
      pageUrl: 'http://gemini.google.com/app',
      page: xhrPage(local(gemini.expected.url), gemini.request),
      reply: { method: 'POST', match: (p) => p.endsWith('/StreamGenerate'), body: gemini.reply, contentType: 'application/json; charset=utf-8' },
    },
  };
}
