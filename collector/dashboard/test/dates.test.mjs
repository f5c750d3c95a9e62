import assert from 'node:assert/strict';
import test from 'node:test';

import {
  addDays, datesBetween, daysBetween, lastDays, localToday, mondayOf, monthStart, parseIso, todayIn,
} from '../static/js/dates.js';

test('parseIso takes only real YYYY-MM-DD dates', () => {
  assert.equal(parseIso('2026-02-28').toISOString(), '2026-02-28T00:00:00.000Z');
  for (const bad of ['2026-02-30', '2026-13-01', '20260201', '2026-2-1', '', 'today']) {
    assert.throws(() => parseIso(bad), RangeError, bad);
  }
});

test('addDays crosses months, leap days and years', () => {
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(daysBetween('2026-01-01', '2027-01-01'), 365);
});

test('addDays is not shifted by a daylight-saving change (UTC arithmetic)', () => {
  assert.equal(addDays('2026-03-28', 1), '2026-03-29'); // Europe's spring-forward night
  assert.equal(addDays('2026-10-25', 1), '2026-10-26');
});

test('weeks start on Monday (ISO) and months on the 1st', () => {
  assert.equal(mondayOf('2026-11-25'), '2026-11-23'); // a Wednesday
  assert.equal(mondayOf('2026-11-23'), '2026-11-23'); // a Monday
  assert.equal(mondayOf('2026-11-29'), '2026-11-23'); // a Sunday belongs to the week before
  assert.equal(mondayOf('2027-01-01'), '2026-12-28');
  assert.equal(monthStart('2026-11-25'), '2026-11-01');
});

test('todayIn uses the collector zone, not the browser zone', () => {
  const now = new Date('2026-11-25T23:30:00Z');
  assert.equal(todayIn('UTC', now), '2026-11-25');
  assert.equal(todayIn('Europe/Berlin', now), '2026-11-26');
  assert.equal(todayIn('America/Los_Angeles', new Date('2026-11-26T03:00:00Z')), '2026-11-25');
});

test('lastDays counts today as the last of n days', () => {
  assert.deepEqual(lastDays(7, '2026-11-25'), { from: '2026-11-19', to: '2026-11-25' });
  assert.equal(datesBetween(...Object.values(lastDays(90, '2026-11-25'))).length, 90);
});

test('datesBetween is inclusive and empty when from > to', () => {
  assert.deepEqual(datesBetween('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01']);
  assert.deepEqual(datesBetween('2026-03-02', '2026-03-01'), []);
});

test('localToday is the date of the local clock', () => {
  const now = new Date(2026, 10, 25, 23, 59); // local time
  assert.equal(localToday(now), '2026-11-25');
  assert.equal(localToday(new Date(2026, 10, 26, 0, 1)), '2026-11-26');
});
