import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { RuleViolation } from '../db/errors';
import { findAccountEmail } from '../db/queries/accounts';
import { emailAttempted } from '../db/queries/emailOutbox';
import { closePasswordResetRun, type PasswordResetOutcome } from '../db/queries/passwordResets';
import { hmacHex } from '../lib/crypto';
import type { DerivedKeys } from '../lib/keys';
import type { Mailer } from '../lib/mailer';
import { codeHmac, deriveCode } from '../lib/verificationCode';
import { createBudgets } from '../libraries/budgets';
import { applyPasswordReset, type ResetApplied } from '../libraries/passwordResets/apply';
import { FailureType } from '../workflows/shared/failures';
import { ResetFailure, type ApplyResetInput } from '../workflows/shared/passwordResetContract';
import { sendOnce } from './outbox';
import { passwordChangedMail, ssoPasswordResetMail } from './passwordResetEmails';

const RULE_TO_FAILURE: Record<string, string> = {
  'password_reset.account_unavailable': ResetFailure.AccountUnavailable,
  'password_reset.pending_password_gone': ResetFailure.PendingPasswordGone,
};

/** The activities of the `resetPassword` workflow (workflows/resetPassword.ts); ids in, ids out. */
export function createPasswordResetActivities(
  { sql, mailer, keys }: { sql: Sql; mailer: Mailer; keys: Pick<DerivedKeys, 'addressKey' | 'codeDerivation' | 'codeHmac'> },
) {
  const budgets = createBudgets(sql);
  return {
    /**
     * The HMAC of the code `sendVerificationCode` will email for this challenge (codes are derived from the
     * challenge id, lib/verificationCode.ts), without sending anything: the run takes the code before the
     * email goes, so no one can type it before the run knows it. No I/O.
     */
    async passwordResetCodeHmac({ scope, challengeId }: { scope: string; challengeId: string }): Promise<{ codeHmac: string }> {
      return { codeHmac: codeHmac(keys.codeHmac, scope, deriveCode(keys.codeDerivation, challengeId)) };
    },

    /** Sets the verified password once (keyed by the run). Raises AccountUnavailable or PendingPasswordGone (non-retryable). */
    async applyPasswordReset(input: ApplyResetInput): Promise<ResetApplied> {
      try {
        return await applyPasswordReset(sql, input);
      } catch (err) {
        if (err instanceof RuleViolation) {
          throw ApplicationFailure.create({ type: RULE_TO_FAILURE[err.code] ?? err.code, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },

    /** Records the run's outcome on its requests, forgets their typed addresses and waiting passwords. Idempotent. */
    async closePasswordReset({ runId, outcome }: { runId: string; outcome: PasswordResetOutcome }): Promise<void> {
      await closePasswordResetRun(sql, runId, outcome);
    },

    /** "Your password was changed", once per run (outbox keyed by the run). */
    async sendPasswordChangedEmail({ accountId, runId }: { accountId: string; runId: string }): Promise<void> {
      const to = await findAccountEmail(sql, accountId);
      if (to) await sendOnce(sql, mailer, `password-reset/${runId}/changed`, 'password-reset-changed', passwordChangedMail(to));
    },

    /**
     * Tells an SSO account's owner that its credentials live in the company's identity provider. Counts
     * against the address's quota of codes, as a code email would (no mail bombing through resets).
     * Raises UnknownRecipient or CodeQuotaExhausted (non-retryable).
     */
    async sendPasswordResetSsoNotice({ accountId, noticeId }: { accountId: string; noticeId: string }): Promise<void> {
      const to = await findAccountEmail(sql, accountId);
      if (!to) throw ApplicationFailure.create({ type: FailureType.UnknownRecipient, message: 'no such recipient', nonRetryable: true });
      const key = `password-reset-sso/${noticeId}`;
      if (!(await emailAttempted(sql, key))) {
        const quota = await budgets.spend('codesPerAddress', hmacHex(keys.addressKey, to.toLowerCase()));
        if (!quota.allowed) {
          throw ApplicationFailure.create({
            type: FailureType.CodeQuotaExhausted, message: 'too many emails sent to this address', nonRetryable: true, details: [quota.retryAfterMs],
          });
        }
      }
      await sendOnce(sql, mailer, key, 'password-reset-sso', ssoPasswordResetMail(to));
    },
  };
}
