import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { emailAttempted } from '../db/queries/emailOutbox';
import { hmacHex } from '../lib/crypto';
import type { DerivedKeys } from '../lib/keys';
import type { Mailer } from '../lib/mailer';
import { codeHmac, deriveCode } from '../lib/verificationCode';
import { createBudgets } from '../libraries/budgets';
import { resolveRecipient } from '../libraries/recipients';
import { rejectionPath, rejectionToken } from '../libraries/rejections';
import { FailureType } from '../workflows/shared/failures';
import type { SendCodeInput } from '../workflows/shared/verification';
import { invitationMail, verificationCodeMail } from './emailTemplates';
import { sendOnce } from './outbox';

/** Only the subkeys code emails need (the code, its HMAC, the "not you" token): a key the activity does not hold, it cannot misuse. */
export function createVerificationActivities({ sql, mailer, keys }: { sql: Sql; mailer: Mailer; keys: Pick<DerivedKeys, 'codeDerivation' | 'codeHmac' | 'rejectionToken' | 'addressKey'> }) {
  const budgets = createBudgets(sql);
  return {
    /**
     * Emails a verification code and returns only its HMAC, bound to the flow (`scope`).
     * Raises UnknownRecipient or CodeQuotaExhausted (non-retryable); mail failures retry per the caller's
     * policy.
     */
    async sendVerificationCode(input: SendCodeInput): Promise<{ codeHmac: string }> {
      const to = await resolveRecipient(sql, input.recipient);
      if (!to) throw ApplicationFailure.create({ type: FailureType.UnknownRecipient, message: 'no such recipient', nonRetryable: true });
      const key = `code/${input.challengeId}`;
      // One point per code, not per attempt: a retry of a code already tried spends nothing.
      if (!(await emailAttempted(sql, key))) {
        const quota = await budgets.spend('codesPerAddress', hmacHex(keys.addressKey, to.toLowerCase()));
        if (!quota.allowed) {
          throw ApplicationFailure.create({
            type: FailureType.CodeQuotaExhausted, message: 'too many codes sent to this address', nonRetryable: true, details: [quota.retryAfterMs],
          });
        }
      }
      const code = deriveCode(keys.codeDerivation, input.challengeId);
      const minutes = Math.max(1, Math.round(input.validForMs / 60_000));
      // The "this was not you" token is derived here from the ids the workflow passed: it never enters history.
      const notYou = input.rejection
        ? { path: rejectionPath(input.rejection), token: rejectionToken(keys.rejectionToken, input.rejection) }
        : undefined;
      // An invitation's code comes with the request that accepts it; every other code is a verification code.
      const mail = input.recipient.kind === 'invited-member'
        ? invitationMail(to, input.recipient.invitationId, code, input.validForMs)
        : verificationCodeMail(to, input.purpose, code, minutes, notYou);
      await sendOnce(sql, mailer, key, `verification-code/${input.purpose}`, mail);
      return { codeHmac: codeHmac(keys.codeHmac, input.scope, code) };
    },
  };
}
