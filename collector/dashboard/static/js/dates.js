// Calendar dates as 'YYYY-MM-DD' strings. Arithmetic runs on UTC midnights so that no local
// daylight-saving change can shift a day; "today" is asked of the collector's bucket time zone.

const DAY_MS = 86_400_000;

/** Parse 'YYYY-MM-DD' to a Date at UTC midnight; throws on anything else. */
export function parseIso(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const date = match && new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  if (!date || date.toISOString().slice(0, 10) !== iso) throw new RangeError(`not a date: ${iso}`);
  return date;
}

export function isoOf(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso, days) {
  return isoOf(new Date(parseIso(iso).getTime() + days * DAY_MS));
}

/** Days from a to b (b - a), both 'YYYY-MM-DD'. */
export function daysBetween(a, b) {
  return Math.round((parseIso(b) - parseIso(a)) / DAY_MS);
}

/** Today's date in an IANA time zone (the collector buckets days in its own zone, not the browser's). */
export function todayIn(timeZone, now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** This browser's date, without Intl (whose first use is slow): the local clock's offset from UTC. */
export function localToday(now = new Date()) {
  return isoOf(new Date(now.getTime() - now.getTimezoneOffset() * 60_000));
}

/** The Monday of the ISO week holding iso. */
export function mondayOf(iso) {
  const weekday = (parseIso(iso).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  return addDays(iso, -weekday);
}

export function monthStart(iso) {
  return `${iso.slice(0, 7)}-01`;
}

/** The last n days ending today: { from, to }. */
export function lastDays(n, today) {
  return { from: addDays(today, -(n - 1)), to: today };
}

/** Every date from `from` to `to`, inclusive. */
export function datesBetween(from, to) {
  const out = [];
  for (let day = from; day <= to; day = addDays(day, 1)) out.push(day);
  return out;
}
