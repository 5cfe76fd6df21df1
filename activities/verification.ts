import { ApplicationFailure } from '@temporalio/activity';
import type { Sql } from '../db/client';
import { listEmailOptions } from '../db/queries/profiles';
import { markEmailSent, reserveEmail } from '../db/queries/emailOutbox';
import { codeHmac, deriveCode } from '../lib/verificationCode';
import type { Mailer } from '../lib/mailer';
import { FailureType } from '../workflows/shared/failures';
import { verificationCodeMail, type CodePurpose } from './emailTemplates';

/** Where a code goes, named by ids; the address itself is looked up here and never enters history. */
export type CodeRecipient = { kind: 'profile-email-option'; profileId: string; emailOptionId: string };

export interface SendVerificationCodeInput {
  /** The flow the code belongs to (its workflow id): the HMAC is bound to it. */
  scope: string;
  /** Fresh per code; the code is derived from it, so a retry resends the same code. */
  challengeId: string;
  purpose: CodePurpose;
  validForMs: number;
  recipient: CodeRecipient;
}

export function createVerificationActivities({ sql, mailer, hmacSecret }: { sql: Sql; mailer: Mailer; hmacSecret: string }) {
  async function resolveRecipient(r: CodeRecipient): Promise<string> {
    const options = await listEmailOptions(sql, r.profileId);
    const match = options.find((o) => o.id === r.emailOptionId);
    if (!match) {
      throw ApplicationFailure.create({ type: FailureType.UnknownEmailOption, message: 'no such email option', nonRetryable: true });
    }
    return match.address;
  }

  return {
    /**
     * Emails a verification code and returns only its HMAC.
     * Raises UnknownEmailOption (non-retryable); SMTP failures retry per the caller's policy.
     */
    async sendVerificationCode(input: SendVerificationCodeInput): Promise<{ codeHmac: string }> {
      const to = await resolveRecipient(input.recipient);
      const code = deriveCode(hmacSecret, input.challengeId);
      const key = `code/${input.challengeId}`;
      if (await reserveEmail(sql, key, `verification-code/${input.purpose}`)) {
        await mailer.send(verificationCodeMail(to, input.purpose, code, Math.max(1, Math.round(input.validForMs / 60_000))));
        await markEmailSent(sql, key);
      }
      return { codeHmac: codeHmac(hmacSecret, input.scope, code) };
    },
  };
}
