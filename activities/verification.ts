import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import type { Mailer } from '../lib/mailer';
import { codeHmac, deriveCode } from '../lib/verificationCode';
import { resolveRecipient } from '../libraries/recipients';
import { FailureType } from '../workflows/shared/failures';
import type { SendCodeInput } from '../workflows/shared/verification';
import { verificationCodeMail } from './emailTemplates';
import { sendOnce } from './outbox';

export function createVerificationActivities({ sql, mailer, hmacSecret }: { sql: Sql; mailer: Mailer; hmacSecret: string }) {
  return {
    /**
     * Emails a verification code and returns only its HMAC, bound to the flow (`scope`).
     * Raises UnknownRecipient (non-retryable); mail failures retry per the caller's policy.
     */
    async sendVerificationCode(input: SendCodeInput): Promise<{ codeHmac: string }> {
      const to = await resolveRecipient(sql, input.recipient);
      if (!to) throw ApplicationFailure.create({ type: FailureType.UnknownRecipient, message: 'no such recipient', nonRetryable: true });
      const code = deriveCode(hmacSecret, input.challengeId);
      const minutes = Math.max(1, Math.round(input.validForMs / 60_000));
      await sendOnce(sql, mailer, `code/${input.challengeId}`, `verification-code/${input.purpose}`, verificationCodeMail(to, input.purpose, code, minutes));
      return { codeHmac: codeHmac(hmacSecret, input.scope, code) };
    },
  };
}
