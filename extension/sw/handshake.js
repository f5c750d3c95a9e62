// The start-up handshake: once per browser session (or after the collector URL changes), ask the
// collector for this client's last_seq. It only ever moves our seq up, so a reinstalled profile
// or restored storage cannot reuse seqs that the collector would then drop as duplicates.
import { SESSION_KEY, STATUS } from './constants.js';
import { handshake } from './batch.js';
import { request } from './http.js';
import { updateState } from './store.js';

/** Answers the failed outcome, or null when the handshake is done (now or earlier this session). */
export async function handshakeOnce(config) {
  const session = await chrome.storage.session.get(SESSION_KEY.HANDSHAKE_DONE);
  if (session[SESSION_KEY.HANDSHAKE_DONE] === config.url) return null;
  const path = `/client_status?client_id=${encodeURIComponent(config.clientId)}`;
  const outcome = await request(config.url, path, { apiKey: config.apiKey });
  if (outcome.kind !== STATUS.CONNECTED) return outcome;
  await updateState((state) => ({ state: handshake(state, outcome.body?.last_seq) }));
  await chrome.storage.session.set({ [SESSION_KEY.HANDSHAKE_DONE]: config.url });
  return null;
}

/** Forget the handshake, e.g. because the user pointed us at another collector. */
export async function forgetHandshake() {
  await chrome.storage.session.remove(SESSION_KEY.HANDSHAKE_DONE);
}

