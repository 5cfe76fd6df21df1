// sendOnce: at least once, normally once, and a resend after a crash is the same message (Message-ID).
import { ApplicationFailure } from '@temporalio/common';
import { sendOnce } from '../../activities/outbox';
import { claimEmail, countSentEmails } from '../../db/queries/emailOutbox';
import { createMailer, type Mailer } from '../../lib/mailer';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startMailSink, type MailSink } from '../helpers/mailSink';

let db: TestDatabase;
let sink: MailSink;
let mailer: Mailer;
beforeAll(async () => {
  [db, sink] = await Promise.all([createTestDatabase(), startMailSink()]);
  mailer = createMailer({ smtpUrl: sink.url, mailFrom: 'Custodian <no-reply@custodian.test>' });
});
afterAll(async () => {
  mailer.close();
  await Promise.all([sink.close(), db.drop()]);
});

const messageId = (raw: string) => /^Message-ID: (.*)$/im.exec(raw)?.[1]?.trim();
const mail = (to: string) => ({ to, subject: `hello ${to}`, text: 'body' });
const to = (n: string) => `${n}-${Math.random().toString(36).slice(2)}@example.test`;

test('a key is sent once: a second call skips it', async () => {
  const addr = to('once');
  await sendOnce(db.sql, mailer, `test/${addr}`, 't', mail(addr));
  await sendOnce(db.sql, mailer, `test/${addr}`, 't', mail(addr));
  expect(sink.messages.filter((m) => m.to.includes(addr))).toHaveLength(1);
  expect(await countSentEmails(db.sql, `test/${addr}`)).toBe(1);
});

test('a send whose process died mid-exchange is repeated with the same Message-ID', async () => {
  const addr = to('crash');
  const key = `test/${addr}`;
  await sendOnce(db.sql, mailer, key, 't', mail(addr));
  // As if the server accepted the message but the process died before marking the row: still unsent, claimed long ago.
  await db.sql`update email_outbox set sent_at = null, sending_at = now() - interval '1 hour' where idempotency_key = ${key}`;
  await sendOnce(db.sql, mailer, key, 't', mail(addr));
  const copies = sink.messages.filter((m) => m.to.includes(addr));
  expect(copies).toHaveLength(2);
  expect(messageId(copies[0]!.raw)).toMatch(/^<[0-9a-f]{40}@custodian\.test>$/);
  expect(messageId(copies[1]!.raw)).toBe(messageId(copies[0]!.raw));
});

test('a send in flight elsewhere is waited for (a retryable failure), not sent in parallel', async () => {
  const addr = to('inflight');
  const key = `test/${addr}`;
  expect(await claimEmail(db.sql, key, 't', 35_000)).toBe('send');
  const err = await sendOnce(db.sql, mailer, key, 't', mail(addr)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({ type: 'MailInFlight', nonRetryable: false });
  expect(sink.messages.filter((m) => m.to.includes(addr))).toHaveLength(0);
});

test('a refusing mail server fails retryably with no address in the error, and frees the row for the retry', async () => {
  const addr = to('refused');
  const key = `test/${addr}`;
  sink.setRefusing(true);
  try {
    const err = await sendOnce(db.sql, mailer, key, 't', mail(addr)).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'MailError', nonRetryable: false, message: expect.stringContaining('451') });
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(addr);
  } finally {
    sink.setRefusing(false);
  }
  await sendOnce(db.sql, mailer, key, 't', mail(addr));
  expect(sink.messages.filter((m) => m.to.includes(addr))).toHaveLength(1);
});
