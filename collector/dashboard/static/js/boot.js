// Asks for the page's data the moment the page starts, with the stored key, before the drawing code
// has arrived: index.html loads this module `async`, so it runs as soon as its four small imports are
// in, while the browser is still fetching the rest of the page's modules and the chart code.

import { getJson, usagePath } from './api.js';
import { localToday } from './dates.js';
import { loadKey } from './keystore.js';
import { cardsRange, resolveView, viewFromHash } from './range.js';

/** Both answers for `view` on `today`, asked at once: the range shown and the days of the cards. */
export function askUsage(view, today, key) {
  const range = resolveView(view, today);
  return Promise.all([getJson(usagePath(range), key), getJson(usagePath(cardsRange(today)), key)])
    .then(([report, cards]) => ({ report, cards, range, today }));
}

let early = null;
const key = loadKey(localStorage);
if (key) {
  const view = viewFromHash(location.hash);
  const today = localToday(); // this browser's date; main.js checks it against the collector's zone
  early = { key, view, today, answer: askUsage(view, today, key) };
  early.answer.catch(() => {}); // main.js handles a failure when it takes the answer over
}

/** The early answer if it was asked with this key, view and date (once); else null. */
export function takeEarly(key, view, today) {
  const match = early && early.key === key && early.today === today
    && JSON.stringify(early.view) === JSON.stringify(view);
  const answer = match ? early.answer : null;
  early = null;
  return answer;
}
