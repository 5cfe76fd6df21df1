import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { RuleViolation } from '../db/errors';
import { closeRun, type CloseRun, type CreationOutcome } from '../db/queries/accountCreations';
import { CREATION_RULES, createAccountFromPending, type CreateFromPending } from '../libraries/accountCreation/create';
import { AccountCreationFailure, type CreatedAccount } from '../workflows/shared/accountCreationContract';
import { FailureType } from '../workflows/shared/failures';

const RULE_TO_FAILURE: Record<string, string> = {
  [CREATION_RULES.emailTaken]: AccountCreationFailure.EmailTaken,
  [CREATION_RULES.profileGone]: FailureType.ProfileGone,
  [CREATION_RULES.pendingGone]: AccountCreationFailure.PendingAccountGone,
};

export function createAccountCreationActivities({ sql }: { sql: Sql }) {
  return {
    /**
     * Creates the account a verified request holds, once, in one transaction. Raises EmailTaken,
     * ProfileGone or PendingAccountGone (non-retryable); anything else is retried.
     */
    async createAccountFromPending(args: CreateFromPending): Promise<CreatedAccount> {
      try {
        return await createAccountFromPending(sql, args);
      } catch (err) {
        if (err instanceof RuleViolation) {
          throw ApplicationFailure.create({ type: RULE_TO_FAILURE[err.code] ?? err.code, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },

    /**
     * Closes the run's requests and deletes every pending row it held (the address, the password hashes).
     * Idempotent. Answers the outcome the record holds: `completed` when its account was created.
     */
    async closeAccountCreation(args: CloseRun): Promise<CreationOutcome> {
      return closeRun(sql, args);
    },
  };
}
