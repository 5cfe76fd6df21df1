// The account deletion's branches as committed histories (test/fixtures/histories/deleteAccount/): runs started
// as the API starts them, on the real activities, Postgres and SMTP sink.
import { insertDeletion } from '../../../db/queries/accountDeletions';
import { startDeletionWorkflow } from '../../../libraries/accountDeletion/workflow';
import { DEFAULT_MAIL_DEADLINE_MS } from '../../../workflows/shared/accountDeletionContract';
import { createPerson, type Person } from '../people';
import type { Recording, Scenario } from '../replayScenarios';
import type { TestStack } from '../stack';

/** Deletes `person`'s first account as DELETE /v1/accounts/current does, and waits for the run's result. */
async function deleteFirstAccount(stack: TestStack, person: Person, mailDeadlineMs = DEFAULT_MAIL_DEADLINE_MS) {
  const { handle, deletionId } = await startDeletionWorkflow(
    stack.client, stack.taskQueue, { accountId: person.accountIds[0]!, mailDeadlineMs }, person.profileId,
  );
  await insertDeletion(stack.sql, deletionId);
  return { handle, result: await handle.result() };
}

const secretsOf = (person: Person) => [...person.emails, `Person ${person.profileId.slice(0, 8)}`];
const recording = (handle: Recording['handle'], person: Person): Recording => ({ handle, secrets: secretsOf(person) });

const deleteAccount = (branch: string, s: Omit<Scenario, 'workflowType' | 'branch'>): Scenario => ({ workflowType: 'deleteAccount', branch, ...s });
const STEPS = ['revokeAccountCredentials', 'removeAccount', 'sendAccountDeletedEmail', 'finishAccountDeletion'];

export const DELETE_ACCOUNT_SCENARIOS: Scenario[] = [
  deleteAccount('keeps-profile', {
    async record(stack) {
      const person = await createPerson(stack.sql, { accounts: 2 });
      const { handle, result } = await deleteFirstAccount(stack, person);
      expect(result).toEqual({ profileErased: false, confirmation: 'sent' });
      await stack.mail.waitFor((m) => m.to.includes(person.emails[0]!));
      return recording(handle, person);
    },
    covers(h) {
      expect(h.result).toEqual({ profileErased: false, confirmation: 'sent' });
      expect(h.activities).toEqual(STEPS);
      expect(h.payloads).toContain('"profileErased":false');
    },
  }),

  deleteAccount('erases-profile', {
    async record(stack) {
      const person = await createPerson(stack.sql);
      const { handle, result } = await deleteFirstAccount(stack, person);
      expect(result).toEqual({ profileErased: true, confirmation: 'sent' });
      await stack.mail.waitFor((m) => m.to.includes(person.emails[0]!));
      return recording(handle, person);
    },
    covers(h) {
      expect(h.result).toEqual({ profileErased: true, confirmation: 'sent' });
      expect(h.activities).toEqual(STEPS);
      expect(h.payloads).toContain('"profileErased":true');
    },
  }),

  deleteAccount('mail-undelivered', {
    async record(stack) {
      const person = await createPerson(stack.sql, { accounts: 2 });
      stack.mail.setRefusing(true);
      try {
        const { handle, result } = await deleteFirstAccount(stack, person, 2_000);
        expect(result).toEqual({ profileErased: false, confirmation: 'undelivered' });
        return recording(handle, person);
      } finally {
        stack.mail.setRefusing(false);
      }
    },
    covers(h) {
      expect(h.result).toEqual({ profileErased: false, confirmation: 'undelivered' });
      expect(h.activities).toEqual(['revokeAccountCredentials', 'removeAccount', 'sendAccountDeletedEmail', 'discardDeletionAddress', 'finishAccountDeletion']);
      expect(h.indexOf('ACTIVITY_TASK_TIMED_OUT')).toBeGreaterThan(0);
    },
  }),

  deleteAccount('nothing-to-remove', {
    async record(stack) {
      // An account removed by other means before the run reached it (an operator, say).
      const person = await createPerson(stack.sql, { accounts: 2 });
      await stack.sql`delete from accounts where id = ${person.accountIds[0]!}`;
      const { handle, result } = await deleteFirstAccount(stack, person);
      expect(result).toEqual({ profileErased: false, confirmation: 'none' });
      return recording(handle, person);
    },
    covers(h) {
      expect(h.result).toEqual({ profileErased: false, confirmation: 'none' });
      expect(h.activities).toEqual(['revokeAccountCredentials', 'removeAccount', 'finishAccountDeletion']);
    },
  }),
];
