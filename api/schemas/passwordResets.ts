import { RESET_STEPS } from '../../workflows/shared/passwordResetContract';
import { ErrorSchema, email, isoDate, uuid } from './common';
import { newPassword } from './passwordPolicy';
import { VerificationError, verificationCode } from './verification';
import { z } from './zod';

export const RequestPasswordReset = z
  .object({ email: email.openapi({ description: 'The login email of the account whose password was forgotten' }) })
  .openapi('RequestPasswordReset');

export const PasswordResetStarted = z
  .object({
    id: uuid.openapi({ description: 'Opaque: every request gets one, whether or not an account has the address' }),
    step: z.enum(RESET_STEPS),
    expiresAt: isoDate,
  })
  .openapi('PasswordResetStarted');

export const PasswordReset = z
  .object({
    id: uuid,
    step: z.enum(RESET_STEPS),
    expiresAt: isoDate.openapi({ description: 'When the reset expires; a new request for the same address moves it' }),
    attemptsLeft: z.number().int().nullable().openapi({ description: 'Wrong codes this reset still takes; null once it has ended' }),
  })
  .openapi('PasswordReset');

export const CompletePasswordReset = z
  .object({ code: verificationCode, newPassword })
  .openapi('CompletePasswordReset');

export const PasswordResetCompletionError = z
  .union([VerificationError, ErrorSchema])
  .openapi('PasswordResetCompletionError', {
    description:
      'A wrong, expired or exhausted code (`verification_code.*`, with `attemptsLeft`), or a new password that breaks the policy ' +
      '(`password.policy_violation`, with `rules` and `details`).',
  });
