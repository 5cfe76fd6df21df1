// The deletion workflow's branches against mocked activities: the steps in order, the last account, nobody to
// tell, a mail server that keeps refusing, retried failures and an operator's cancel. No database, mail
// server or API: what the activities would do is what each test makes them answer.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, type WorkflowHandle } from '@temporalio/client';
import type { deleteAccount } from '../../workflows/deleteAccount';
import type { DeleteAccountInput, RemovalResult } from '../../workflows/shared/accountDeletionContract';
import { sleep } from '../helpers/waiting';
import { type Activities, workflowSuite } from '../helpers/workflowSuite';

const suite = workflowSuite();

type Args<K extends keyof Activities> = Parameters<Activities[K]>;

/** Recorded mocks of the deletion's activities, answering as a healthy system would for a non-last account. */
function deletionActivities(removal: RemovalResult = { profileErased: false, notifyAddressId: randomUUID() }) {
  const calls: string[] = [];
  const log = (name: string) => calls.push(name);
  return {
    calls,
    acts: {
      revokeAccountCredentials: jest.fn(async (..._a: Args<'revokeAccountCredentials'>) => (log('revoke'), { revoked: 2 })),
      removeAccount: jest.fn(async (..._a: Args<'removeAccount'>) => (log('remove'), removal)),
      sendAccountDeletedEmail: jest.fn(async (..._a: Args<'sendAccountDeletedEmail'>): Promise<'sent' | 'address_gone'> => (log('send'), 'sent')),
      discardDeletionAddress: jest.fn(async (..._a: Args<'discardDeletionAddress'>) => (log('discard'), undefined)),
      finishAccountDeletion: jest.fn(async (..._a: Args<'finishAccountDeletion'>) => (log('finish'), undefined)),
    } satisfies Partial<Activities>,
  };
}
type DeletionActivities = ReturnType<typeof deletionActivities>['acts'];

async function startDeletion(acts: DeletionActivities, over: Partial<DeleteAccountInput> = {}) {
  const input: DeleteAccountInput = { accountId: randomUUID(), mailDeadlineMs: 60_000, ...over };
  const w = await suite.worker(acts);
  const handle: WorkflowHandle<typeof deleteAccount> = await w.start('deleteAccount', input);
  const { runId } = await handle.describe();
  return { input, handle, deletionId: runId };
}

test('revokes, removes, confirms and finishes, in that order, each step once, named by ids only', async () => {
  const { acts, calls } = deletionActivities();
  const d = await startDeletion(acts);
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'sent' });
  expect(calls).toEqual(['revoke', 'remove', 'send', 'finish']);
  const ids = { deletionId: d.deletionId, accountId: d.input.accountId };
  expect(acts.revokeAccountCredentials).toHaveBeenCalledWith(ids);
  expect(acts.removeAccount).toHaveBeenCalledWith({ ...ids, addressTtlMs: expect.any(Number) });
  expect(acts.removeAccount.mock.calls[0]![0].addressTtlMs).toBeGreaterThan(d.input.mailDeadlineMs);
  const { notifyAddressId } = await acts.removeAccount.mock.results[0]!.value as RemovalResult;
  expect(acts.sendAccountDeletedEmail).toHaveBeenCalledWith({ deletionId: d.deletionId, notifyAddressId, profileErased: false });
  expect(acts.finishAccountDeletion).toHaveBeenCalledWith({ deletionId: d.deletionId, confirmation: 'sent' });
  expect(acts.discardDeletionAddress).not.toHaveBeenCalled();
});

test('the last account: the confirmation says the profile was erased, and so does the result', async () => {
  const { acts } = deletionActivities({ profileErased: true, notifyAddressId: randomUUID() });
  const d = await startDeletion(acts);
  expect(await d.handle.result()).toEqual({ profileErased: true, confirmation: 'sent' });
  expect(acts.sendAccountDeletedEmail).toHaveBeenCalledWith(expect.objectContaining({ profileErased: true }));
});

test('nothing was left to remove: no confirmation, and the deletion still completes', async () => {
  const { acts, calls } = deletionActivities({ profileErased: false, notifyAddressId: null });
  const d = await startDeletion(acts);
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'none' });
  expect(calls).toEqual(['revoke', 'remove', 'finish']);
  expect(acts.finishAccountDeletion).toHaveBeenCalledWith({ deletionId: d.deletionId, confirmation: 'none' });
});

test('a mail server that refuses past the deadline: the address is discarded unsent and the deletion completes', async () => {
  const { acts, calls } = deletionActivities();
  acts.sendAccountDeletedEmail.mockImplementation(async () => {
    calls.push('send');
    throw ApplicationFailure.retryable('the mail server did not accept the message (SMTP 451)', 'MailError');
  });
  const d = await startDeletion(acts, { mailDeadlineMs: 1_500 });
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'undelivered' });
  expect(acts.sendAccountDeletedEmail.mock.calls.length).toBeGreaterThan(1); // retried until the deadline
  const { notifyAddressId } = await acts.removeAccount.mock.results[0]!.value as RemovalResult;
  expect(acts.discardDeletionAddress).toHaveBeenCalledWith({ notifyAddressId });
  expect(calls.slice(-2)).toEqual(['discard', 'finish']);
  expect(acts.finishAccountDeletion).toHaveBeenCalledWith({ deletionId: d.deletionId, confirmation: 'undelivered' });
});

test('an address already discarded is an undelivered confirmation, with nothing left to discard', async () => {
  const { acts } = deletionActivities();
  acts.sendAccountDeletedEmail.mockResolvedValue('address_gone');
  const d = await startDeletion(acts);
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'undelivered' });
  expect(acts.discardDeletionAddress).not.toHaveBeenCalled();
});

test('failing steps are retried until they succeed: a deletion never stops half-way', async () => {
  const { acts, calls } = deletionActivities();
  acts.revokeAccountCredentials.mockRejectedValueOnce(new Error('connection reset')).mockRejectedValueOnce(new Error('connection reset'));
  acts.removeAccount.mockRejectedValueOnce(new Error('deadlock detected'));
  const d = await startDeletion(acts);
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'sent' });
  expect(acts.revokeAccountCredentials).toHaveBeenCalledTimes(3);
  expect(acts.removeAccount).toHaveBeenCalledTimes(2);
  expect(calls.filter((c) => c !== 'revoke' && c !== 'remove')).toEqual(['send', 'finish']);
});

test('an operator\'s cancel is ignored: the erasure started runs to the end', async () => {
  const { acts } = deletionActivities();
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const removal = acts.removeAccount.getMockImplementation()!;
  acts.removeAccount.mockImplementation(async (...a) => {
    await released;
    return removal(...a);
  });
  const d = await startDeletion(acts);
  while (acts.removeAccount.mock.calls.length === 0) await sleep(50);
  await d.handle.cancel();
  await sleep(300);
  release();
  expect(await d.handle.result()).toEqual({ profileErased: false, confirmation: 'sent' });
  expect(acts.finishAccountDeletion).toHaveBeenCalledTimes(1);
});
