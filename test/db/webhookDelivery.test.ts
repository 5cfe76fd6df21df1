// The deliverWebhook activity (README "Webhooks") against a local HTTP receiver, called in a mocked activity
// context: signed and verifiable, the same event id and createdAt on every retry, every attempt recorded,
// failures thrown for Temporal to retry, nothing sent when the company has no webhook.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { createWebhookActivities } from '../../activities/webhooks';
import { findWebhook, listDeliveries, upsertWebhook } from '../../db/queries/companyWebhooks';
import { deriveKeys } from '../../lib/keys';
import { verifyWebhookSignature } from '../../lib/webhookSignature';
import { createWebhookSecrets } from '../../libraries/companyWebhooks/secrets';
import { insertCompany } from '../helpers/company';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';

const KEYS = deriveKeys('webhook-delivery-test-Qw8kLmZr4TxNb2VhJc9F');
const OLD_KEYS = deriveKeys('webhook-previous-test-Zr4TxNb2VhJc9FsYd6Pg');
const SECRET = 'whsec_delivery-test-secret-0123456789';
const LOCAL = { timeoutMs: 500, allowLoopback: true };

let db: TestDatabase;
let receiver: WebhookReceiver;
beforeAll(async () => {
  [db, receiver] = await Promise.all([createTestDatabase(), startWebhookReceiver()]);
});
afterAll(async () => {
  await Promise.all([receiver.close(), db.drop()]);
});

async function companyWithWebhook(url = receiver.url, keys = KEYS): Promise<string> {
  const companyId = await insertCompany(db.sql);
  await upsertWebhook(db.sql, { companyId, url, ...createWebhookSecrets({ keys }).seal(companyId, SECRET) });
  return companyId;
}

const activities = (settings = LOCAL) => createWebhookActivities({ sql: db.sql, keys: KEYS, previousKeys: OLD_KEYS, webhooks: settings });
const SCHEDULED = Date.parse('2026-03-02T09:30:00.000Z');
// The SDK logs every failed attempt at WARN; these failures are the point of the tests.
const silent = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const inActivity = (attempt: number) => new MockActivityEnvironment({ attempt, scheduledTimestampMs: SCHEDULED }, { logger: silent });
const event = (companyId: string) => ({ companyId, eventId: randomUUID(), type: 'offboarding.completed' as const, data: { offboardingId: randomUUID(), result: 'completed' } });

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('no webhook registered: {delivered: false} at once, nothing sent, nothing recorded', async () => {
  const companyId = await insertCompany(db.sql);
  const before = receiver.received.length;
  await expect(inActivity(1).run(activities().deliverWebhook, event(companyId))).resolves.toEqual({ delivered: false });
  expect(receiver.received.length).toBe(before);
  expect(await listDeliveries(db.sql, { companyId, limit: 10 })).toEqual([]);
});

test('delivered: a signed POST of {id, type, createdAt, companyId, data} that verifies, recorded as attempt 1', async () => {
  const companyId = await companyWithWebhook();
  const input = event(companyId);
  await expect(inActivity(1).run(activities().deliverWebhook, input)).resolves.toEqual({ delivered: true });

  const got = receiver.received.at(-1)!;
  expect(verifyWebhookSignature(SECRET, got.headers['custodian-signature'] as string, got.body, 60)).toBe(true);
  expect(got.headers['custodian-event-id']).toBe(input.eventId);
  expect(got.headers['custodian-event-type']).toBe('offboarding.completed');
  expect(JSON.parse(got.body)).toEqual({ id: input.eventId, type: input.type, createdAt: '2026-03-02T09:30:00.000Z', companyId, data: input.data });
  expect(await listDeliveries(db.sql, { companyId, limit: 10 })).toEqual([
    expect.objectContaining({ eventId: input.eventId, type: 'offboarding.completed', attempt: 1, statusCode: 200, error: null, durationMs: expect.any(Number) }),
  ]);
});

test('a non-2xx throws a retryable WebhookDeliveryFailed without the URL; the retry carries the same id and createdAt', async () => {
  const companyId = await companyWithWebhook();
  const input = event(companyId);
  receiver.answer(503, 410);
  const before = receiver.received.length;
  for (const [attempt, status] of [[1, 503], [2, 410]] as const) {
    const failure = await failureOf(inActivity(attempt).run(activities().deliverWebhook, input));
    expect({ type: failure.type, nonRetryable: failure.nonRetryable, message: failure.message }).toEqual({
      type: 'WebhookDeliveryFailed', nonRetryable: false, message: `webhook delivery failed: the receiver answered HTTP ${status}`,
    });
  }
  await expect(inActivity(3).run(activities().deliverWebhook, input)).resolves.toEqual({ delivered: true });

  const sent = receiver.received.slice(before);
  expect(sent.map((r) => r.headers['custodian-event-id'])).toEqual([input.eventId, input.eventId, input.eventId]);
  expect(new Set(sent.map((r) => JSON.parse(r.body).createdAt))).toEqual(new Set(['2026-03-02T09:30:00.000Z']));
  for (const r of sent) expect(verifyWebhookSignature(SECRET, r.headers['custodian-signature'] as string, r.body, 60)).toBe(true);
  const rows = await listDeliveries(db.sql, { companyId, limit: 10, eventId: input.eventId });
  expect(rows.map((d) => [d.attempt, d.statusCode, d.error])).toEqual([[3, 200, null], [2, 410, null], [1, 503, null]]);
});

test('a receiver that does not answer in time: thrown as a timeout, recorded with error `timeout`', async () => {
  const companyId = await companyWithWebhook();
  receiver.answer('hang');
  const started = Date.now();
  const failure = await failureOf(inActivity(1).run(activities().deliverWebhook, event(companyId)));
  expect(failure.message).toBe('webhook delivery timed out after 500 ms');
  expect(Date.now() - started).toBeLessThan(5_000);
  const [row] = await listDeliveries(db.sql, { companyId, limit: 1 });
  expect(row).toEqual(expect.objectContaining({ statusCode: null, error: 'timeout' }));
  expect(row!.durationMs).toBeGreaterThanOrEqual(450);
});

test('nobody listening: thrown, recorded as `connection`', async () => {
  const closed = await startWebhookReceiver();
  await closed.close();
  const companyId = await companyWithWebhook(closed.url);
  const failure = await failureOf(inActivity(1).run(activities().deliverWebhook, event(companyId)));
  expect(failure.message).toBe('webhook delivery failed: connection');
  expect((await listDeliveries(db.sql, { companyId, limit: 1 }))[0]).toEqual(expect.objectContaining({ error: 'connection', statusCode: null }));
});

test('outside development and test, a loopback or private address stored earlier is refused at delivery, never connected to', async () => {
  const before = receiver.received.length;
  for (const url of [receiver.url, 'https://10.255.255.1/hook', `http://localhost:${new URL(receiver.url).port}/hook`]) {
    const companyId = await companyWithWebhook(url);
    const failure = await failureOf(inActivity(1).run(activities({ timeoutMs: 500, allowLoopback: false }).deliverWebhook, event(companyId)));
    expect(failure.message).toBe('webhook delivery failed: address_not_allowed');
    expect((await listDeliveries(db.sql, { companyId, limit: 1 }))[0]).toEqual(expect.objectContaining({ error: 'address_not_allowed' }));
  }
  expect(receiver.received.length).toBe(before);
});

test('a secret sealed under the previous HMAC_SECRET still signs, and is sealed again under the current key', async () => {
  const companyId = await companyWithWebhook(receiver.url, OLD_KEYS);
  expect((await findWebhook(db.sql, companyId))!.secretKeyId).toBe(OLD_KEYS.keyId);
  await expect(inActivity(1).run(activities().deliverWebhook, event(companyId))).resolves.toEqual({ delivered: true });
  const got = receiver.received.at(-1)!;
  expect(verifyWebhookSignature(SECRET, got.headers['custodian-signature'] as string, got.body, 60)).toBe(true);
  expect((await findWebhook(db.sql, companyId))!.secretKeyId).toBe(KEYS.keyId);
});

test('a secret no configured key opens: thrown and recorded as `secret_unreadable`, nothing sent', async () => {
  const companyId = await companyWithWebhook(receiver.url, deriveKeys('an-unknown-secret-Tx9bWq3LzK7mVd2Rp5Ys'));
  const before = receiver.received.length;
  const failure = await failureOf(inActivity(1).run(activities().deliverWebhook, event(companyId)));
  expect(failure.message).toBe('webhook delivery failed: secret_unreadable');
  expect(receiver.received.length).toBe(before);
});

test('an event id that cannot travel as a header: InvalidWebhookEvent, not retried, nothing sent', async () => {
  const companyId = await companyWithWebhook();
  const before = receiver.received.length;
  for (const eventId of ['', 'has space', 'line\nbreak', 'x'.repeat(201)]) {
    const failure = await failureOf(inActivity(1).run(activities().deliverWebhook, { ...event(companyId), eventId }));
    expect({ type: failure.type, nonRetryable: failure.nonRetryable }).toEqual({ type: 'InvalidWebhookEvent', nonRetryable: true });
  }
  expect(receiver.received.length).toBe(before);
  // A workflow's own kind of id is fine.
  const eventId = `offboarding/${randomUUID()}/completed`;
  await expect(inActivity(1).run(activities().deliverWebhook, { ...event(companyId), eventId })).resolves.toEqual({ delivered: true });
  expect(receiver.received.at(-1)!.headers['custodian-event-id']).toBe(eventId);
});
