// Test harness for the real-browser tests: the collector, a recording proxy in front of it, fake chat
// sites on loopback, and Chromium with the unpacked extension. Every process and server started here
// is registered for cleanup, and every wait is bounded in time. Not a test file itself.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ROOT = path.dirname(EXT);
// CHROMIUM_PATH exists so the missing-browser path can be checked without uninstalling anything.
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

const cleanups = [];
/** Registers fn to run at cleanup (last registered runs first). */
export const onCleanup = (fn) => cleanups.push(fn);
export async function cleanupAll() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch {
      // keep cleaning up the rest
    }
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Headless Chromium with the unpacked extension in a new profile, each `hostRules` name ("MAP host
 * 127.0.0.1:port, ...") resolved to the fake sites, and the flags a closed network needs
 * (shared/browser-testing.md). Resolves to the context and the extension's id once its worker runs;
 * the context is closed at cleanup.
 */
export async function launchWithExtension(profileDir, hostRules, options = {}) {
  const { chromium } = await import('playwright-core');
  const ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM, headless: true, ...options,
    args: [`--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      `--host-resolver-rules=${hostRules}`],
  });
  onCleanup(() => ctx.close());
  const sw = ctx.serviceWorkers()[0] || (await ctx.waitForEvent('serviceworker', { timeout: 10000 }));
  return { ctx, sw, extId: new URL(sw.url()).host };
}

/** Polls fn until it answers a truthy value; fails after timeoutMs with `what` in the message. */
export async function waitFor(what, fn, { timeoutMs = 15000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < 10000 && Date.now() < deadline; i++) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last?.message ?? JSON.stringify(last))})`);
}

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the real collector on a free port (PORT=0) and answers {port, url, stop(signal)}. */
export async function startCollector({ apiKey, stateDir }) {
  const env = { ...process.env, API_KEY: apiKey, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'INFO',
    STATE_PATH: path.join(stateDir, 'state.json'), SNAP_DIR: path.join(stateDir, 'snapshots'),
    DB_PATH: path.join(stateDir, 'collector.db') };
  delete env.CLIPROXY_URL;
  const child = spawn(PYTHON, ['-m', 'collector'], { cwd: stateDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start in 15 s:\n${log}`)), 15000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /collector listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}:\n${log}`)));
  });
  const stop = (signal = 'SIGTERM') =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  onCleanup(() => stop('SIGKILL'));
  return { port, url: `http://127.0.0.1:${port}`, stop, log: () => log };
}

/** Reads JSON from the collector. */
export async function getJson(url, apiKey) {
  const res = await fetch(url, { headers: { 'X-API-KEY': apiKey } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** A loopback port with nothing listening on it (bound, then released at once). */
export async function closedPort() {
  const server = http.createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function closeServer(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A proxy in front of the collector that records every POST /add body. Modes for the next /add:
 * 'fail503' answers 503 once; 'hang' holds the request unanswered until release(). When the
 * collector is down, the client's socket is destroyed, so the extension sees a network error.
 */
export async function startProxy(upstreamPort) {
  const state = { upstreamPort, next: null, adds: [], held: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/add') {
        const record = { body: JSON.parse(body.toString() || 'null'), answer: null };
        state.adds.push(record);
        const mode = state.next;
        state.next = null;
        if (mode === 'fail503') {
          record.answer = 503;
          res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"unavailable"}');
          return;
        }
        if (mode === 'hang') {
          record.answer = 'held';
          state.held.push(res);
          return;
        }
        return forward(req, body, res, record);
      }
      forward(req, body, res, null);
    });
  });
  function forward(req, body, res, record) {
    const up = http.request(
      { host: '127.0.0.1', port: state.upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        if (record) record.answer = upRes.statusCode;
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (record) record.answer = 'network error';
      res.socket?.destroy();
    });
    up.end(body);
  }
  const port = await listen(server);
  onCleanup(() => closeServer(server));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    state,
    /** Drops the held requests: the extension sees them fail like a killed connection. */
    release() {
      for (const res of state.held.splice(0)) res.socket?.destroy();
    },
  };
}

/** A throwaway self-signed certificate for the given names, made at test time and deleted after. */
export function makeCert(dir, names = ['chatgpt.com']) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const san = names.map((n) => `DNS:${n}`).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

/** Encodes one unmasked server-to-client WebSocket text frame (RFC 6455). */
function wsFrame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : null;
  if (!head) throw new Error('frame too long for this test server');
  return Buffer.concat([head, payload]);
}

/**
 * A minimal WebSocket endpoint (text frames only, enough for a chat socket): answers the upgrade,
 * unmasks client frames and calls onText(text, send) for each.
 */
function acceptWebSocket(req, socket, onText) {
  const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const send = (text) => socket.writable && socket.write(wsFrame(text));
  let buf = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (data) => {
    buf = Buffer.concat([buf, data]);
    for (let guard = 0; guard < 1000 && buf.length >= 2; guard++) {
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) [len, off] = [buf.readUInt16BE(2), 4];
      else if (len === 127) [len, off] = [Number(buf.readBigUInt64BE(2)), 10];
      if (buf.length < off + 4 + len) return;
      const mask = buf.subarray(off, off + 4);
      const payload = Buffer.from(buf.subarray(off + 4, off + 4 + len)).map((b, i) => b ^ mask[i % 4]);
      buf = buf.subarray(off + 4 + len);
      if (opcode === 1) onText(payload.toString(), send);
      else if (opcode === 8) socket.end();
    }
  });
}

/**
 * Serves fake chat sites. sites: {host: {page: html, reply: {path, method, body, contentType}}}.
 * The reply body is streamed in `pieces` chunks so the page hook sees a real stream.
 */
export async function startSites(sites, { tls, pieces = 12 } = {}) {
  const handler = (req, res) => {
    const site = sites[String(req.headers.host).replace(/:\d+$/, '')];
    if (!site) return res.writeHead(404).end();
    const url = new URL(req.url, 'http://x');
    if (req.method === 'GET' && !url.pathname.startsWith('/_/') && !url.pathname.startsWith('/api') && !url.pathname.startsWith('/backend-api')) {
      return res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(site.page);
    }
    if (req.method !== site.reply.method || !site.reply.match(url.pathname)) return res.writeHead(404).end();
    req.resume();
    const body = site.reply.bodyFor ? site.reply.bodyFor(url) : site.reply.body;
    req.on('end', () => streamBody(res, body, site.reply.contentType, pieces));
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.on('upgrade', (req, socket) => {
    const site = sites[String(req.headers.host).replace(/:\d+$/, '')];
    if (!site?.ws?.match(new URL(req.url, 'http://x').pathname)) return socket.destroy();
    acceptWebSocket(req, socket, site.ws.onText);
  });
  const port = await listen(server);
  onCleanup(() => closeServer(server));
  return port;
}

async function streamBody(res, body, contentType, pieces) {
  res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-cache' });
  const bytes = Buffer.from(body);
  const size = Math.ceil(bytes.length / pieces);
  for (let i = 0; i < bytes.length; i += size) {
    if (i > 0) await sleep(15);
    res.write(bytes.subarray(i, i + size)); // cuts through lines and even UTF-8 sequences
  }
  res.end();
}
