import { CODE_DIGITS } from '../../lib/verificationCode';
import { z } from './zod';

/** The typed code of every code flow; its length comes from the one constant that generates codes. */
export const verificationCode = z
  .string()
  .regex(new RegExp(`^\\d{${CODE_DIGITS}}$`), `must be ${CODE_DIGITS} digits`)
  .openapi({ example: '042137'.slice(-CODE_DIGITS) });

export const VerificationError = z
  .object({ error: z.string(), code: z.string(), attemptsLeft: z.number().int() })
  .openapi('VerificationError');
