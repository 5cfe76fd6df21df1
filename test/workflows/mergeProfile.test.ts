import { randomUUID } from 'node:crypto';
import { startMergeWorkflow } from '../../api/mergeWorkflow';
import {
  ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle,
} from '@temporalio/client';
import { listAccountsOfProfile } from '../../db/queries/accounts';
import { listAuditForSubject } from '../../db/queries/audit';
import { countSentEmails } from '../../db/queries/emailOutbox';
import { violatedConstraint } from '../../db/errors';
import { closeMergeRecord, findMergeOfProfile, openMergeRecord } from '../../db/queries/profileMerges';
import { listEmailOptions, loadProfileSnapshot } from '../../db/queries/profiles';
import type { ProfileSeed } from '../../db/queries/people';
import { codeHmac } from '../../lib/verificationCode';
import {
  cancelMergeUpdate, confirmMergeUpdate, type mergeProfile, mergeStatusQuery, requestCodeUpdate, verifyCodeUpdate,
} from '../../workflows/mergeProfile';
import type { ChallengePolicy } from '../../workflows/shared/codeChallenge';
import { FailureType } from '../../workflows/shared/failures';
import { workflowIds } from '../../workflows/shared/ids';
import type { MergeStep } from '../../workflows/shared/mergeContract';
import { FLOW_STEP, PROFILE_ID } from '../../workflows/shared/searchAttributes';
import { codeIn } from '../helpers/mailSink';
import { createPerson, type Person } from '../helpers/people';
import { startTestStack, type TestStack } from '../helpers/stack';

let stack: TestStack;
const started: WorkflowHandle<typeof mergeProfile>[] = [];
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  // Leave nothing running on the shared dev server: terminate whatever a test left open.
  await Promise.allSettled(started.map((h) => h.terminate('test suite finished')));
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs: number) => sleep(Math.max(0, epochMs - Date.now()));

/** Retries `check` until it stops throwing: polls instead of guessing how long the system needs. */
async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** The ApplicationFailure an update was rejected with (by its validator or its handler). */
async function updateRejection(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const LONG: ChallengePolicy = { codeTtlMs: 60_000, resendIntervalMs: 60_000, maxAttempts: 5 };

/** Two fresh persons and an open merge of `other` into `me`, started exactly as api/mergeService.ts does. */
async function startMerge(
  { ttlMs = 120_000, challenge = LONG, me: meSeed, other: otherSeed }:
  { ttlMs?: number; challenge?: ChallengePolicy; me?: Partial<ProfileSeed>; other?: Partial<ProfileSeed> } = {},
) {
  const me = await createPerson(stack.sql, { profile: meSeed });
  const other = await createPerson(stack.sql, { profile: otherSeed });
  const mergeId = randomUUID();
  const workflowId = workflowIds.profileMerge(me.profileId, mergeId);
  await openMergeRecord(stack.sql, {
    id: mergeId, workflowId, targetProfileId: me.profileId, sourceProfileId: other.profileId, startedByAccountId: me.accountIds[0]!,
  });
  const handle = await startMergeWorkflow(stack.client, stack.taskQueue, {
    mergeId, targetProfileId: me.profileId, sourceProfileId: other.profileId, accountId: me.accountIds[0]!, ttlMs, challenge,
  });
  started.push(handle);
  const [option] = await listEmailOptions(stack.sql, other.profileId);
  const otherEmail = other.emails[0]!;
  const codeMails = () => stack.mail.messages.filter((m) => m.to.includes(otherEmail) && /verification code/.test(m.subject));

  return {
    me, other, mergeId, workflowId, handle,
    requestCode: (emailOptionId = option!.id) => handle.executeUpdate(requestCodeUpdate, { args: [{ emailOptionId }] }),
    /** The code of the n-th (1-based) verification mail sent to the other profile. */
    code: (n: number) => eventually(() => {
      const mail = codeMails()[n - 1];
      if (!mail) throw new Error(`verification mail #${n} has not arrived`);
      return codeIn(mail);
    }),
    codeMailCount: () => codeMails().length,
    verify: (code: string) => handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHmac: codeHmac(stack.config.hmacSecret, workflowId, code) }] }),
    confirm: () => handle.executeUpdate(confirmMergeUpdate),
    cancel: () => handle.executeUpdate(cancelMergeUpdate),
    status: () => handle.query(mergeStatusQuery),
    record: async () => (await findMergeOfProfile(stack.sql, mergeId, me.profileId))!,
    flowStep: async () => (await handle.describe()).typedSearchAttributes.get(FLOW_STEP),
  };
}
type Merge = Awaited<ReturnType<typeof startMerge>>;

/** A code that is certainly not `code`. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function toConfirmation(m: Merge): Promise<void> {
  await m.requestCode();
  expect(await m.verify(await m.code(1))).toMatchObject({ verdict: 'verified', attemptsLeft: 5 });
}

async function expectNothingMerged(me: Person, other: Person): Promise<void> {
  expect(await loadProfileSnapshot(stack.sql, other.profileId)).toBeDefined();
  expect((await listAccountsOfProfile(stack.sql, me.profileId)).map((a) => a.id)).toEqual(me.accountIds);
  expect((await listAccountsOfProfile(stack.sql, other.profileId)).map((a) => a.id)).toEqual(other.accountIds);
  expect((await listAuditForSubject(stack.sql, 'profile', me.profileId)).filter((e) => e.action === 'profile.merged')).toEqual([]);
}

const completionMailsTo = (email: string) => stack.mail.messages.filter((m) => m.to.includes(email) && m.subject.includes('merged'));

describe('happy path', () => {
  test('code, confirmation, merge applied once, one completion email', async () => {
    const m = await startMerge({
      me: { displayName: 'Ada Lovelace', points: 10 },
      other: { displayName: 'Ada King', jobTitle: 'Analyst', points: 5 },
    });
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5, codesSent: 0 });
    const sent = await m.requestCode();
    expect(sent.codeExpiresAt).toBeGreaterThan(Date.now());
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', codesSent: 1 });
    expect(await m.verify(await m.code(1))).toMatchObject({ verdict: 'verified', attemptsLeft: 5 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_confirmation' });

    expect(await m.confirm()).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });

    expect(await m.record()).toMatchObject({ outcome: 'completed', appliedAt: expect.any(Date), closedAt: expect.any(Date) });
    expect(await loadProfileSnapshot(stack.sql, m.other.profileId)).toBeUndefined();
    const survivor = await loadProfileSnapshot(stack.sql, m.me.profileId);
    expect(survivor).toMatchObject({ displayName: 'Ada Lovelace', jobTitle: 'Analyst', points: 15 });
    expect(survivor!.accountIds.sort()).toEqual([...m.me.accountIds, ...m.other.accountIds].sort());
    const audit = await listAuditForSubject(stack.sql, 'profile', m.me.profileId);
    expect(audit.filter((e) => e.action === 'profile.merged')).toEqual([
      expect.objectContaining({ actorAccountId: m.me.accountIds[0], details: expect.objectContaining({ mergeId: m.mergeId }) }),
    ]);

    expect(completionMailsTo(m.me.emails[0]!)).toHaveLength(1);
    expect(await countSentEmails(stack.sql, `merge/${m.mergeId}/completed`)).toBe(1);
    expect(await m.status()).toMatchObject({ step: 'completed', failureReason: null });
  });
});

describe('wrong codes', () => {
  test('four wrong codes count down, the fifth exhausts: the workflow fails with AttemptsExhausted', async () => {
    const m = await startMerge();
    await m.requestCode();
    const bad = wrong(await m.code(1));
    for (const attemptsLeft of [4, 3, 2, 1]) {
      expect(await m.verify(bad)).toMatchObject({ verdict: 'wrong', attemptsLeft });
    }
    expect(await m.verify(bad)).toMatchObject({ verdict: 'exhausted', attemptsLeft: 0 });

    const err = await m.handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe(FailureType.AttemptsExhausted);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);

    expect(await m.record()).toMatchObject({ outcome: 'failed', appliedAt: null, closedAt: expect.any(Date) });
    expect(await m.status()).toMatchObject({ step: 'failed', failureReason: FailureType.AttemptsExhausted, attemptsLeft: 0 });
    await expectNothingMerged(m.me, m.other);
  });
});

describe('code expiry', () => {
  test('an expired code costs no attempt; a new code works and the old one is then wrong', async () => {
    const m = await startMerge({ challenge: { codeTtlMs: 2_000, resendIntervalMs: 500, maxAttempts: 5 } });
    const first = await m.requestCode();
    const code1 = await m.code(1);
    await sleepUntil(first.codeExpiresAt + 750);

    expect(await m.verify(code1)).toMatchObject({ verdict: 'expired', attemptsLeft: 5 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5 });

    await sleepUntil(first.resendAvailableAt + 100); // long past already; states the rule
    const second = await m.requestCode();
    expect(second.codeExpiresAt).toBeGreaterThan(first.codeExpiresAt);
    const code2 = await m.code(2);
    expect(code2).not.toBe(code1);
    expect(await m.verify(code1)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
    expect(await m.verify(code2)).toMatchObject({ verdict: 'verified', attemptsLeft: 4 });
    expect(await m.status()).toMatchObject({ step: 'awaiting_confirmation', codesSent: 2 });
    await m.cancel();
  });
});

describe('resend', () => {
  test('a second code within the interval is throttled with a retry delay; after it a new code replaces the old', async () => {
    const m = await startMerge({ challenge: { codeTtlMs: 60_000, resendIntervalMs: 2_000, maxAttempts: 5 } });
    const first = await m.requestCode();
    const code1 = await m.code(1);

    const throttled = await updateRejection(m.requestCode());
    expect(throttled.type).toBe(FailureType.Throttled);
    const retryAfterMs = throttled.details?.[0];
    expect(typeof retryAfterMs).toBe('number');
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(2_000);
    expect(m.codeMailCount()).toBe(1);
    expect(await m.status()).toMatchObject({ codesSent: 1, attemptsLeft: 5 });

    await sleepUntil(first.resendAvailableAt + 300);
    await m.requestCode();
    const code2 = await m.code(2);
    expect(code2).not.toBe(code1);
    expect(m.codeMailCount()).toBe(2);

    expect(await m.verify(code1)).toMatchObject({ verdict: 'wrong', attemptsLeft: 4 });
    expect(await m.verify(code2)).toMatchObject({ verdict: 'verified', attemptsLeft: 4 });
    await m.cancel();
  });
});

describe('cancel', () => {
  const reach: Record<'awaiting_email_choice' | 'awaiting_code' | 'awaiting_confirmation', (m: Merge) => Promise<unknown>> = {
    awaiting_email_choice: async () => undefined,
    awaiting_code: (m) => m.requestCode(),
    awaiting_confirmation: toConfirmation,
  };

  test.each(Object.keys(reach) as (keyof typeof reach)[])('at %s ends the merge as cancelled, merging nothing', async (step) => {
    const m = await startMerge();
    await reach[step](m);
    expect((await m.status()).step).toBe(step);

    expect(await m.cancel()).toMatchObject({ step: 'cancelled' });
    expect(await m.handle.result()).toEqual({ outcome: 'cancelled' });
    expect(await m.record()).toMatchObject({ outcome: 'cancelled', appliedAt: null, closedAt: expect.any(Date) });
    await expectNothingMerged(m.me, m.other);
  });

  test('after completion is rejected with InvalidStep', async () => {
    const m = await startMerge();
    await toConfirmation(m);
    // Hold the workflow open after the merge (its completion email keeps being refused), so the cancel
    // reaches the workflow's validator instead of a closed execution.
    stack.mail.setRefusing(true);
    try {
      expect(await m.confirm()).toMatchObject({ step: 'completed' });
      const rejected = await updateRejection(m.cancel());
      expect(rejected.type).toBe(FailureType.InvalidStep);
    } finally {
      stack.mail.setRefusing(false);
    }
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });
    expect(await m.record()).toMatchObject({ outcome: 'completed' });
    expect(completionMailsTo(m.me.emails[0]!)).toHaveLength(1); // retried until accepted, sent once
    // Once the run is closed the update reaches no workflow at all (the API maps this to merge.closed).
    await expect(m.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('invalid steps and inputs', () => {
  test('verify before any code is sent is InvalidStep', async () => {
    const m = await startMerge();
    const rejected = await updateRejection(m.verify('123456'));
    expect(rejected.type).toBe(FailureType.InvalidStep);
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', attemptsLeft: 5 });
    await m.cancel();
  });

  test('confirm before verify is InvalidStep, both before and after a code is sent', async () => {
    const m = await startMerge();
    expect((await updateRejection(m.confirm())).type).toBe(FailureType.InvalidStep);
    await m.requestCode();
    expect((await updateRejection(m.confirm())).type).toBe(FailureType.InvalidStep);
    expect(await m.status()).toMatchObject({ step: 'awaiting_code' });
    await expectNothingMerged(m.me, m.other);
    await m.cancel();
  });

  test('requesting or verifying a code after verification is InvalidStep', async () => {
    const m = await startMerge({ challenge: { ...LONG, resendIntervalMs: 0 } });
    await toConfirmation(m);
    expect((await updateRejection(m.requestCode())).type).toBe(FailureType.InvalidStep);
    expect((await updateRejection(m.verify('123456'))).type).toBe(FailureType.InvalidStep);
    expect(m.codeMailCount()).toBe(1);
    await m.cancel();
  });

  test('malformed arguments are refused by the validators without spending anything', async () => {
    const m = await startMerge();
    await updateRejection(m.requestCode(''));
    await m.requestCode();
    await updateRejection(m.handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHmac: '123456' }] }));
    expect(await m.status()).toMatchObject({ step: 'awaiting_code', attemptsLeft: 5, codesSent: 1 });
    await m.cancel();
  });
});

describe('abandoned merge', () => {
  test('expires after its time to live, closing the record so the profile can start a new merge', async () => {
    const m = await startMerge({ ttlMs: 3_000 });
    await m.requestCode();
    expect(await m.handle.result()).toEqual({ outcome: 'expired' });
    expect(await m.record()).toMatchObject({ outcome: 'expired', appliedAt: null, closedAt: expect.any(Date) });
    expect(await m.flowStep()).toBe('expired');
    await expectNothingMerged(m.me, m.other);

    const next = randomUUID();
    await expect(openMergeRecord(stack.sql, {
      id: next, workflowId: workflowIds.profileMerge(m.me.profileId, next),
      targetProfileId: m.me.profileId, sourceProfileId: m.other.profileId, startedByAccountId: m.me.accountIds[0]!,
    })).resolves.toBeUndefined();
  });
});

describe('sending the code', () => {
  test('an option that is not the other profile\'s fails the update without a mail; the merge goes on', async () => {
    const m = await startMerge();
    // A real option, but of the signed-in profile: proving it would prove nothing about the other one.
    const [mine] = await listEmailOptions(stack.sql, m.me.profileId);
    await updateRejection(m.requestCode(mine!.id));
    await updateRejection(m.requestCode('recovery-email'));
    expect(stack.mail.messages.filter((x) => x.to.includes(m.me.emails[0]!))).toEqual([]);
    expect(m.codeMailCount()).toBe(0);
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0, attemptsLeft: 5 });

    await toConfirmation(m); // and the failed sends did not throttle the next one
    expect(await m.confirm()).toMatchObject({ step: 'completed' });
    expect(await m.handle.result()).toEqual({ outcome: 'completed' });
  });

  // sendVerificationCode is a local activity: its failure reaches the workflow unwrapped.
  test('an unknown email option fails the update with type UnknownEmailOption', async () => {
    const m = await startMerge();
    try {
      expect((await updateRejection(m.requestCode('recovery-email'))).type).toBe(FailureType.UnknownEmailOption);
    } finally {
      await m.cancel();
    }
  });

  test('a mail server that keeps refusing fails the update with MailUnavailable; a later request works', async () => {
    const m = await startMerge({ challenge: { ...LONG, resendIntervalMs: 0 } });
    stack.mail.setRefusing(true);
    try {
      expect((await updateRejection(m.requestCode())).type).toBe(FailureType.MailUnavailable);
    } finally {
      stack.mail.setRefusing(false);
    }
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice', codesSent: 0 });
    await toConfirmation(m);
    await m.cancel();
  });
});

describe('applying', () => {
  /** A merge whose record was closed behind the workflow's back (as the API's stale-lock release does). */
  async function confirmAfterRecordClosed() {
    const m = await startMerge();
    await toConfirmation(m);
    await closeMergeRecord(stack.sql, m.mergeId, 'failed');
    expect(await m.confirm()).toMatchObject({ step: 'failed' });
    const err = await m.handle.result().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
    return { m, failure: (err as WorkflowFailedError).cause as ApplicationFailure };
  }

  test('a merge record closed meanwhile is not applied: the workflow fails and nothing is merged', async () => {
    const { m } = await confirmAfterRecordClosed();
    expect(await m.record()).toMatchObject({ outcome: 'failed', appliedAt: null });
    expect(await m.status()).toMatchObject({ step: 'failed' });
    await expectNothingMerged(m.me, m.other);
    expect(completionMailsTo(m.me.emails[0]!)).toEqual([]);
  });

  // applyProfileMerge is a local activity too: the reason must survive unwrapped.
  test('the failure names the reason: MergeClosed', async () => {
    const { m, failure } = await confirmAfterRecordClosed();
    expect(failure.type).toBe(FailureType.MergeClosed);
    expect(await m.status()).toMatchObject({ failureReason: FailureType.MergeClosed });
  });
});

describe('FlowStep search attribute', () => {
  test('follows the step, with the profile id alongside', async () => {
    const m = await startMerge();
    const expectStep = (step: MergeStep) => eventually(async () => expect(await m.flowStep()).toBe(step));
    await expectStep('awaiting_email_choice');
    expect((await m.handle.describe()).typedSearchAttributes.get(PROFILE_ID)).toBe(m.me.profileId);
    await m.requestCode();
    await expectStep('awaiting_code');
    await m.verify(await m.code(1));
    await expectStep('awaiting_confirmation');
    await m.cancel();
    await m.handle.result();
    await expectStep('cancelled');
  });
});

describe('history', () => {
  /** Every byte field of the history (payload data, metadata) decoded as text: where a leak would hide. */
  function decodedBytes(node: unknown, out: string[] = []): string[] {
    if (node instanceof Uint8Array) out.push(Buffer.from(node).toString('utf8'));
    else if (Array.isArray(node)) for (const n of node) decodedBytes(n, out);
    else if (node && typeof node === 'object') for (const v of Object.values(node)) decodedBytes(v, out);
    return out;
  }
  const EMAIL_SHAPED = /[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}/i;

  test('holds ids and HMACs only: no email address, display name or code', async () => {
    const m = await startMerge({ me: { displayName: 'Grace Hopper' }, other: { displayName: 'Grace Brewster Murray' } });
    await m.requestCode();
    const code = await m.code(1);
    await m.verify(wrong(code));
    await m.verify(code);
    await m.confirm();
    await m.handle.result();

    const history = await m.handle.fetchHistory();
    const raw = JSON.stringify(history);
    const payloads = decodedBytes(history).join('\n');
    // The decoding works: the workflow input and the returned HMAC are readable.
    expect(payloads).toContain(`"sourceProfileId":"${m.other.profileId}"`);
    expect(payloads).toContain(codeHmac(stack.config.hmacSecret, m.workflowId, code));

    // No '@' at all in what the workflow and activities exchanged. (The raw history does hold '@' in SDK
    // metadata, worker identity `pid@host` and build id `@temporalio/worker@x.y.z`, but no address.)
    expect(payloads).not.toContain('@');
    for (const s of [raw, payloads]) {
      expect(s).not.toMatch(EMAIL_SHAPED);
      for (const email of [...m.me.emails, ...m.other.emails]) expect(s).not.toContain(email);
      expect(s).not.toContain('Grace');
      // Digits bounded by non-digits, so a timestamp that happens to contain the code does not count.
      expect(s).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
      expect(s).not.toMatch(new RegExp(`(?<!\\d)${wrong(code)}(?!\\d)`));
    }
  });
});

describe('one open merge per profile', () => {
  // Both profiles of an open merge hold a row in profile_merge_locks (db/migrations/00002), whichever side they are on.
  const LOCK = 'profile_merge_locks__profile_id__pkey';

  test('a second merge touching either profile is a unique violation until the first is closed', async () => {
    const m = await startMerge();
    const third = await createPerson(stack.sql);
    const open = (target: string, source: string) => {
      const id = randomUUID();
      return openMergeRecord(stack.sql, {
        id, workflowId: workflowIds.profileMerge(target, id), targetProfileId: target, sourceProfileId: source, startedByAccountId: randomUUID(),
      });
    };
    const violation = (p: Promise<void>) => p.then(() => 'no error', (e: unknown) => violatedConstraint(e));

    expect(await violation(open(m.me.profileId, third.profileId))).toBe(LOCK); // same target
    expect(await violation(open(third.profileId, m.other.profileId))).toBe(LOCK); // same source
    expect(await violation(open(third.profileId, m.me.profileId))).toBe(LOCK); // the target, now as a source
    expect(await violation(open(m.other.profileId, third.profileId))).toBe(LOCK); // the source, now as a target
    expect(await m.status()).toMatchObject({ step: 'awaiting_email_choice' }); // the refused attempts left it alone

    await m.cancel();
    await m.handle.result();
    await expect(open(m.me.profileId, third.profileId)).resolves.toBeUndefined();
  });
});
