// What the chart shows: the last N days or a custom from/to, grouped by day, ISO week or month. The
// choice lives in the address (#days=30&group=week), so a reload or a bookmark keeps it.

import { daysBetween, lastDays, mondayOf, monthStart, parseIso } from './dates.js';

export const PRESET_DAYS = [7, 30, 90, 365];
export const GROUPS = ['day', 'week', 'month'];
export const MAX_DAYS = 1096; // what GET /usage takes in one request
export const DEFAULT_VIEW = Object.freeze({ days: 30, group: 'day' });

/**
 * The view's dates: { from, to, group }, with presets ending today (in the collector's zone).
 * :raise RangeError: a custom range that is not two real dates, is backwards or is too long.
 */
export function resolveView(view, today) {
  if (view.days) return { ...lastDays(view.days, today), group: view.group };
  for (const [name, value] of [['From', view.from], ['To', view.to]]) {
    try {
      parseIso(value ?? '');
    } catch {
      throw new RangeError(`${name} must be a date (YYYY-MM-DD).`);
    }
  }
  if (view.from > view.to) throw new RangeError(`From (${view.from}) is after To (${view.to}).`);
  const days = daysBetween(view.from, view.to) + 1;
  if (days > MAX_DAYS) throw new RangeError(`${days} days is too long: at most ${MAX_DAYS} at once.`);
  return { from: view.from, to: view.to, group: view.group };
}

/** The days the cards (today, this week, this month) need: from the earlier of Monday and the 1st. */
export function cardsRange(today) {
  return { from: [mondayOf(today), monthStart(today)].sort()[0], to: today, group: 'day' };
}

/** '#days=30&group=day' or '#from=...&to=...&group=week' -> a view; anything unknown gives the default. */
export function viewFromHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const group = GROUPS.includes(params.get('group')) ? params.get('group') : DEFAULT_VIEW.group;
  const days = Number(params.get('days'));
  if (PRESET_DAYS.includes(days)) return { days, group };
  if (params.has('from') && params.has('to')) {
    const view = { from: params.get('from'), to: params.get('to'), group };
    try {
      resolveView(view, view.to);
      return view;
    } catch {
      return { ...DEFAULT_VIEW, group };
    }
  }
  return { ...DEFAULT_VIEW, group };
}

export function hashOfView(view) {
  const params = view.days ? { days: view.days, group: view.group } : { from: view.from, to: view.to, group: view.group };
  return `#${new URLSearchParams(params)}`;
}

/** How a period is named in a tooltip or a table: the date, "week of <Monday>", or the month. */
export function periodName(period, group) {
  return group === 'week' ? `week of ${period}` : period;
}

/** The x-axis tick: the month and day for days and weeks, YYYY-MM for months. */
export function periodTick(period, group) {
  return group === 'month' ? period : period.slice(5);
}
