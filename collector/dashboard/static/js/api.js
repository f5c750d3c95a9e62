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

/** GET a JSON endpoint with the key. Throws AuthError (401), HttpError or NetworkError. */
export async function getJson(path, key, fetchFn = globalThis.fetch) {
  let response;
  try {
    response = await fetchFn(path, {
      headers: { [KEY_HEADER]: key, Accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new NetworkError(`the collector did not answer (${err.name === 'TimeoutError' ? 'timeout' : err.message})`);
  }
  const body = await response.json().catch(() => null);
  if (response.status === 401) throw new AuthError('the collector refused this key');
  if (!response.ok) {
    throw new HttpError(response.status, body?.error ?? 'error', body?.detail ?? response.statusText);
  }
  return body;
}

export function usagePath({ from, to }, group = 'day') {
  const query = new URLSearchParams({ from, to, group });
  return `/usage?${query}`;
}
