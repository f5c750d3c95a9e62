// Talking to the collector: one request with a timeout, its outcome classified the way the popup
// shows it. Never throws: a failure is an outcome like any other.
import { REQUEST_TIMEOUT_MS, STATUS } from './constants.js';

/** Classifies an HTTP status (or a thrown error) as one of STATUS. */
export function classify(status, error) {
  if (error) {
    return error.name === 'TimeoutError' || error.name === 'AbortError' ? STATUS.TIMEOUT : STATUS.UNREACHABLE;
  }
  if (status >= 200 && status < 300) return STATUS.CONNECTED;
  if (status === 401 || status === 403) return STATUS.AUTH;
  if (status >= 500 || status === 409 || status === 429) return STATUS.SERVER;
  return STATUS.MISCONFIGURED; // 404 (wrong URL), 400/413/415 (not our collector, or a bug)
}

/** Joins the collector base URL and a path; answers null for a URL that is not http(s). */
export function endpoint(base, path) {
  try {
    const url = new URL(path, String(base).replace(/\/*$/, '/'));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Sends one request; answers {kind, status, body, latencyMs, detail}. */
export async function request(base, path, { apiKey, method = 'GET', json, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const url = endpoint(base, path);
  if (!url) return { kind: STATUS.MISCONFIGURED, status: 0, latencyMs: 0, detail: `bad collector URL: ${base}` };
  const headers = apiKey ? { 'X-API-KEY': apiKey } : {};
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(timeoutMs),
      cache: 'no-store',
    });
    const body = await res.json().catch(() => null);
    const kind = classify(res.status);
    const detail = kind === STATUS.CONNECTED ? '' : `${method} ${path}: HTTP ${res.status} ${body?.error ?? ''}`.trim();
    return { kind, status: res.status, body, latencyMs: Math.round(performance.now() - started), detail };
  } catch (error) {
    const kind = classify(0, error);
    return { kind, status: 0, body: null, latencyMs: Math.round(performance.now() - started), detail: `${method} ${path}: ${error.message}` };
  }
}
