// The sweep's pure rules: which reminder is due at an instant, its outbox key, and how batch counts add up.
import { passwordExpiresAt } from '../../workflows/shared/passwordExpiry';
import { addCounts, dueReminder, emptyTotals, reminderKey, REMINDER_DAYS } from '../../workflows/shared/passwordExpirySweep';

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2026-06-15T03:00:00.000Z');
const at = (ms: number) => dueReminder(new Date(NOW.getTime() + ms), NOW);

test.each([
  [14 * DAY + 1, null], [14 * DAY, 14], [10 * DAY, 14], [7 * DAY + 1, 14], [7 * DAY, 7], [2 * DAY, 7], [DAY + 1, 7], [DAY, 1], [1, 1], [0, null], [-1, null], [-30 * DAY, null],
])('a password expiring %d ms after now: reminder %p', (ms, expected) => {
  expect(at(ms)).toBe(expected);
});

test('a password that never expires has no reminder', () => {
  expect(dueReminder(null, NOW)).toBeNull();
  expect(dueReminder(passwordExpiresAt(new Date(NOW.getTime() - 89 * DAY), 90, true), NOW)).toBeNull(); // SSO
  expect(dueReminder(passwordExpiresAt(new Date(NOW.getTime() - 89 * DAY), 0, false), NOW)).toBeNull(); // never
  expect(dueReminder(passwordExpiresAt(new Date(NOW.getTime() - 89 * DAY), 90, false), NOW)).toBe(1);
});

test('the thresholds are 14, 7 and 1 days', () => {
  expect([...REMINDER_DAYS]).toEqual([14, 7, 1]);
});

test('the outbox key names the account, the period (epoch ms of the change) and the threshold', () => {
  const changed = new Date('2026-03-17T03:00:00.123Z');
  expect(reminderKey('a1', changed, 7)).toBe(`password-expiry/a1/${changed.getTime()}/7`);
  expect(reminderKey('a1', new Date(changed.getTime() + 1), 7)).not.toBe(reminderKey('a1', changed, 7)); // a new password: new keys
});

test('totals add batches; failures of a page that will be tried again do not count as final', () => {
  const batch = { candidates: 3, sent: { d14: 1, d7: 1, d1: 0 }, alreadySent: 1, failed: 1 };
  const retried = addCounts(emptyTotals(), batch, false);
  expect(retried).toMatchObject({ batches: 1, pageRetries: 1, failed: 0, sent: { d14: 1, d7: 1, d1: 0 } });
  const final = addCounts(retried, { ...batch, sent: { d14: 0, d7: 0, d1: 1 } });
  expect(final).toEqual({ runs: 1, batches: 2, pageRetries: 1, candidates: 6, sent: { d14: 1, d7: 1, d1: 1 }, alreadySent: 2, failed: 1 });
});
