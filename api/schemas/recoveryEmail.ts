import { email, isoDate, uuid } from './common';
import { verificationCode } from './verification';
import { z } from './zod';

export const SetRecoveryEmail = z.strictObject({
  email: email.openapi({ description: 'Any address you can read, a non-business one included', example: 'ada@example.org' }),
}).openapi('SetRecoveryEmail');

export const VerifyRecoveryEmail = z.strictObject({ code: verificationCode }).openapi('VerifyRecoveryEmail');

export const RecoveryEmailChange = z.strictObject({
  id: uuid,
  step: z.enum(['awaiting_code', 'applying', 'completed', 'expired', 'failed', 'cancelled']),
  expiresAt: isoDate,
  attemptsLeft: z.number().int(),
  codeExpiresAt: isoDate.nullable(),
  resendAvailableAt: isoDate.nullable(),
  failureReason: z.string().nullable(),
  recoveryEmail: z.string().nullable().openapi({ description: 'The profile\'s verified recovery email now' }),
}).openapi('RecoveryEmailChange');
