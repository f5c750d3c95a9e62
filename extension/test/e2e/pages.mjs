// Fake chat pages built from the unit-test fixtures, served at the apps' real hostnames. Each page
// exposes window.chat(), which sends the fixture's request the way the real app does (fetch with a
// body, fetch with a Request object, XHR, a WebSocket, two calls for Mistral's new chat) and answers
// the full reply the page itself received. Every page also records what a page script listening for
// "message" events can see, in window.__seenMessages.
import fs from 'node:fs';
import path from 'node:path';
import { EXT } from './harness.mjs';

export function fixture(name) {
  const dir = path.join(EXT, 'test', 'fixtures', name);
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  const request = fs.existsSync(path.join(dir, 'request.json')) ? read('request.json') : read('request.txt');
  return { name, expected: JSON.parse(read('expected.json')), request, reply: read('reply.txt') };
}

// A page script of the app (or an ad, or another extension's script) listening to window messages.
const spy = `window.__seenMessages = [];
addEventListener('message', (e) => { try { __seenMessages.push(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)); } catch { __seenMessages.push(String(e.data)); } }, true);`;

const page = (script) => `<!doctype html><html><head><meta charset="utf-8"><title>fake</title>
<script>${spy}</script></head><body><p>fake chat page</p><script>${script}</script></body></html>`;

const readAll = `async function readAll(res) {
  const reader = res.body.getReader(); const dec = new TextDecoder(); let out = '';
  for (;;) { const { done, value } = await reader.read(); if (done) break; out += dec.decode(value, { stream: true }); }
  return out + dec.decode();
}`;

function fetchPage(url, request) {
  return page(`${readAll}
window.chat = async (query = '') => readAll(await fetch(${JSON.stringify(url)} + query, {
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

// Copilot: one socket; the client's send frame, then the server's frames until "done".
function socketPage(url, request) {
  return page(`window.chat = () => new Promise((resolve, reject) => {
  const ws = new WebSocket(${JSON.stringify(url)});
  const frames = [];
  ws.onerror = () => reject(new Error('socket failed'));
  ws.onopen = () => ws.send(${JSON.stringify(request)});
  ws.onmessage = (e) => {
    frames.push(e.data);
    if (JSON.parse(e.data).event === 'done') { ws.close(); resolve(frames.join('\\n') + '\\n'); }
  };
});`);
}

// Mistral's new chat: the prompt goes in message.newChat, the reply streams from /api/chat.
function mistralPage(request) {
  return page(`${readAll}
window.chat = async () => {
  const created = await fetch('/api/trpc/message.newChat?batch=1', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(request)} });
  const chatId = JSON.parse((await created.text()).split('\\n')[0])[0].result.data.json.chatId;
  return readAll(await fetch('/api/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ chatId, mode: 'start', disabledFeatures: [], shouldUseMessagePatch: true, shouldUsePersistentStream: true }) }));
};`);
}

const local = (u) => {
  const url = new URL(u);
  return url.pathname + url.search;
};

/** A fetch-based site served from its fixture: the page sends the request the fixture recorded. */
function fetchSite(name, pageUrl, contentType) {
  const f = fixture(name);
  const replyPath = new URL(f.expected.url).pathname;
  return {
    fixture: f,
    pageUrl,
    page: fetchPage(local(f.expected.url), f.request),
    reply: { method: 'POST', match: (p) => p === replyPath, body: f.reply, contentType },
  };
}

/** Sites that need TLS here: chatgpt.com is HSTS-preloaded, and Copilot's socket is wss:. */
export function tlsSites() {
  const chatgpt = fixture('chatgpt');
  const copilot = fixture('copilot');
  return {
    'chatgpt.com': {
      fixture: chatgpt,
      pageUrl: 'https://chatgpt.com/',
      page: fetchPage(local(chatgpt.expected.url), chatgpt.request),
      reply: { method: 'POST', match: (p) => p === '/backend-api/f/conversation', body: chatgpt.reply, contentType: 'text/event-stream; charset=utf-8' },
    },
    'copilot.microsoft.com': {
      fixture: copilot,
      pageUrl: 'https://copilot.microsoft.com/',
      page: socketPage(copilot.expected.url, copilot.request),
      reply: { method: 'POST', match: () => false },
      ws: {
        match: (p) => p === '/c/api/chat',
        onText(text, send) {
          if (JSON.parse(text).event !== 'send') return;
          const frames = copilot.reply.split('\n').filter(Boolean);
          frames.forEach((frame, i) => setTimeout(() => send(frame), 10 * i));
        },
      },
    },
  };
}

/** host -> {fixture, page, reply}: the plain-http sites (their real names stay on http on loopback). */
export function httpSites() {
  const claude = fixture('claude');
  const gemini = fixture('gemini');
  const mistral = fixture('mistral-trpc');
  const deepseek = fetchSite('deepseek', 'http://chat.deepseek.com/', 'text/event-stream');
  // ?changed=1 answers in a format no parser knows: the site "changed under" the extension.
  const changed = 'data: {"kind":"answer-v9","delta":{"segments":[{"t":"Bonjour"}]}}\n\ndata: {"kind":"end"}\n\n';
  deepseek.reply.bodyFor = (url) => (url.searchParams.has('changed') ? changed : deepseek.reply.body);
  return {
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
    'www.perplexity.ai': fetchSite('perplexity-workflow', 'http://www.perplexity.ai/', 'text/event-stream'),
    'chat.deepseek.com': deepseek,
    'grok.com': fetchSite('grok', 'http://grok.com/', 'application/json'),
    'chat.mistral.ai': {
      fixture: mistral,
      pageUrl: 'http://chat.mistral.ai/chat',
      page: mistralPage(mistral.request),
      reply: {
        method: 'POST',
        match: (p) => p === '/api/chat' || p === '/api/trpc/message.newChat',
        bodyFor: (url) => (url.pathname === '/api/chat' ? mistral.reply : '[{"result":{"data":{"json":{"chatId":"mc-new-1"}}}}]\n'),
        contentType: 'text/plain; charset=utf-8',
      },
    },
  };
}
