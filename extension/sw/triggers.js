// What starts a flush besides new usage: every worker start (so a batch frozen before the worker was
// killed is resent at once), the one-minute alarm, a browser start, a settings change, and the
// popup's "Send now".
import { FLUSH_ALARM, FLUSH_ALARM_MINUTES, KEY, MSG } from './constants.js';
import { forgetHandshake } from './handshake.js';
import { fromExtensionPage } from './store.js';
import { flush } from './sync.js';

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === FLUSH_ALARM) flush('alarm');
});

// A new browser session gets one fresh attempt even after an auth stop: the key may have been fixed
// on the collector's side.
chrome.runtime.onStartup.addListener(() => {
  flush('session');
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local' || !(KEY.URL in changes || KEY.API_KEY in changes)) return;
  // A new URL may be another collector: redo the handshake; a new key deserves a retry now.
  forgetHandshake().then(() => flush('config'));
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (message?.type !== MSG.FLUSH || !fromExtensionPage(sender)) return false;
  flush('manual').then(() => sendResponse({ ok: true }));
  return true;
});

/** Creates the alarm only if missing: re-creating it would restart its one-minute period. */
async function ensureAlarm() {
  const existing = await chrome.alarms.get(FLUSH_ALARM);
  if (!existing) await chrome.alarms.create(FLUSH_ALARM, { periodInMinutes: FLUSH_ALARM_MINUTES });
}

ensureAlarm();
flush('startup');
