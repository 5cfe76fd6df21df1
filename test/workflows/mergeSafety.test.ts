// What must never happen: applying a merge whose record was closed, secrets in the workflow history, or
// two open merges touching one profile.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { violatedConstraint } from '../../db/errors';
import { closeMergeRecord, openMergeRecord } from '../../db/queries/profileMerges';
import { codeHmac } from '../../lib/verificationCode';
import { FailureType } from '../../workflows/shared/failures';
import { workflowIds } from '../../workflows/shared/ids';
import { mergeSuite, toConfirmation, wrong } from '../helpers/mergeHarness';
import { createPerson } from '../helpers/people';

const { stack, startMerge, expectNothingMerged, completionMailsTo } = mergeSuite();

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
    expect(payloads).toContain(codeHmac(stack.config.keys.codeHmac, m.workflowId, code));

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
        id, workflowId: workflowIds.profileMerge({ sourceProfileId: source, mergeId: id }), targetProfileId: target, sourceProfileId: source, startedByAccountId: randomUUID(),
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
