import assert from 'node:assert/strict';
import test from 'node:test';

import {
  DEFAULT_VIEW, MAX_DAYS, cardsRange, hashOfView, periodName, periodTick, resolveView, viewFromHash,
} from '../static/js/range.js';

test('a preset ends today in the collector\'s zone', () => {
  assert.deepEqual(resolveView({ days: 7, group: 'week' }, '2026-11-25'), { from: '2026-11-19', to: '2026-11-25', group: 'week' });
  assert.deepEqual(resolveView({ days: 365, group: 'month' }, '2028-02-29').from, '2027-03-02');
});

test('a custom range is checked before anything is fetched', () => {
  assert.deepEqual(resolveView({ from: '2026-01-01', to: '2026-03-31', group: 'month' }, '2026-11-25'),
    { from: '2026-01-01', to: '2026-03-31', group: 'month' });
  assert.throws(() => resolveView({ from: '2026-02-30', to: '2026-03-01', group: 'day' }, 'x'), /From must be a date/);
  assert.throws(() => resolveView({ from: '2026-03-01', to: '', group: 'day' }, 'x'), /To must be a date/);
  assert.throws(() => resolveView({ from: '2026-03-02', to: '2026-03-01', group: 'day' }, 'x'), /is after/);
  assert.throws(() => resolveView({ from: '2020-01-01', to: '2026-03-01', group: 'day' }, 'x'), new RegExp(`at most ${MAX_DAYS}`));
});

test('the cards need the days from the earlier of Monday and the 1st', () => {
  assert.deepEqual(cardsRange('2026-12-02'), { from: '2026-11-30', to: '2026-12-02', group: 'day' }); // Wed; Mon in Nov
  assert.deepEqual(cardsRange('2026-11-25'), { from: '2026-11-01', to: '2026-11-25', group: 'day' });
});

test('the view survives a round trip through the address; junk gives the default', () => {
  for (const view of [{ days: 90, group: 'week' }, { from: '2026-01-01', to: '2026-02-01', group: 'month' }]) {
    assert.deepEqual(viewFromHash(hashOfView(view)), view);
  }
  assert.deepEqual(viewFromHash(''), DEFAULT_VIEW);
  assert.deepEqual(viewFromHash('#days=12&group=year'), DEFAULT_VIEW);
  assert.deepEqual(viewFromHash('#from=2026-05-01&to=2026-01-01&group=week'), { ...DEFAULT_VIEW, group: 'week' });
});

test('periods are named for people', () => {
  assert.equal(periodName('2026-11-23', 'week'), 'week of 2026-11-23');
  assert.equal(periodName('2026-11', 'month'), '2026-11');
  assert.equal(periodTick('2026-11-23', 'day'), '11-23');
  assert.equal(periodTick('2026-11', 'month'), '2026-11');
});
