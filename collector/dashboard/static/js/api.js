// Calls to the collector's keyed endpoints, with failures sorted into what the page must say.

export class AuthError extends Error {}
export class HttpError extends Error {
  constructor(status, code, detail) {
    super(`${status} ${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}
export class NetworkError extends Error {}

export const KEY_HEADER = 'X-API-KEY';
export const TIMEOUT_MS = 10_000;

async function send(path, key, accept, fetchFn) {
  try {
    return await fetchFn(path, {
      headers: { [KEY_HEADER]: key, Accept: accept },
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new NetworkError(`the collector did not answer (${err.name === 'TimeoutError' ? 'timeout' : err.message})`);
  }
}

async function check(response) {
  if (response.ok) return;
  const body = await response.json().catch(() => null);
  if (response.status === 401) throw new AuthError('the collector refused this key');
  throw new HttpError(response.status, body?.error ?? 'error', body?.detail ?? response.statusText);
}

/** GET a JSON endpoint with the key. Throws AuthError (401), HttpError or NetworkError. */
export async function getJson(path, key, fetchFn = globalThis.fetch) {
  const response = await send(path, key, 'application/json', fetchFn);
  await check(response);
  return response.json();
}

/** GET a text endpoint (the CSV export) with the key: { text, headers }. Throws like getJson. */
export async function getText(path, key, fetchFn = globalThis.fetch) {
  const response = await send(path, key, 'text/csv, */*', fetchFn);
  await check(response);
  return { text: await response.text(), headers: response.headers };
}

/** `/usage?from=...&to=...&group=...` (and `&format=csv` when asked). */
export function usagePath({ from, to, group = 'day' }, format = 'json') {
  const query = new URLSearchParams({ from, to, group });
  if (format !== 'json') query.set('format', format);
  return `/usage?${query}`;
}
