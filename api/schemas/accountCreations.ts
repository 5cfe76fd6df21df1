import { ACCOUNT_CREATION_STEPS } from '../../workflows/shared/accountCreationContract';
import { email, isoDate, uuid } from './common';
import { newPassword } from './passwordPolicy';
import { verificationCode } from './verification';
import { z } from './zod';

export const StartAccountCreation = z
  .object({
    email: email.openapi({ description: 'The login email of the new account; a code goes there', example: 'ada.byron@example.test' }),
    password: newPassword,
    marketingOptIn: z.boolean().openapi({ description: 'Whether the new account receives marketing communications' }),
  })
  .openapi('StartAccountCreation');

const OUTCOMES = ['completed', 'cancelled', 'expired', 'failed'] as const;

export const AccountCreationView = z
  .object({
    id: uuid.openapi({ description: 'This request\'s id: random, and the only way to reach it' }),
    step: z.enum(ACCOUNT_CREATION_STEPS).openapi({
      description:
        '`awaiting_code` → `verified` → `creating` (the loader) → `completed`; or `cancelled`, `expired` (abandoned, or ' +
        'another request for the same address was verified first) or `failed`',
    }),
    outcome: z.enum(OUTCOMES).nullable(),
    expiresAt: isoDate,
    attemptsLeft: z.number().int().nullable(),
    codeExpiresAt: isoDate.nullable(),
    resendAvailableAt: isoDate.nullable(),
    failureReason: z.string().nullable().openapi({ description: 'Why it failed: `AttemptsExhausted`, `EmailTaken`, `ProfileGone`…' }),
    accountId: uuid.nullable().openapi({ description: 'The new account, once completed' }),
  })
  .openapi('AccountCreation');

export const AccountCreationCodeSent = z
  .object({ step: z.enum(ACCOUNT_CREATION_STEPS), codeExpiresAt: isoDate, resendAvailableAt: isoDate })
  .openapi('AccountCreationCodeSent');

export const VerifyAccountCreationCode = z
  .object({ code: verificationCode })
  .openapi('VerifyAccountCreationCode');
