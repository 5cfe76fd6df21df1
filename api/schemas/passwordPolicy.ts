import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULES, PASSWORD_SPECIALS, type PasswordRule } from '../../workflows/shared/passwordPolicy';
import { text } from './common';
import { z } from './zod';

const RULE_CODES = PASSWORD_RULES.map((r) => r.rule) as [PasswordRule, ...PasswordRule[]];

export const PasswordRuleCode = z.enum(RULE_CODES).openapi('PasswordRuleCode', {
  description: 'The stable code of one password rule, as listed in `rules` of a `password.policy_violation` error.',
});

export const PasswordPolicy = z
  .object({
    minLength: z.literal(PASSWORD_MIN_LENGTH).openapi({ description: 'Fewest characters (Unicode code points of the NFKC form)' }),
    maxLength: z.literal(PASSWORD_MAX_LENGTH).openapi({ description: 'Most characters (Unicode code points of the NFKC form)' }),
    lengthUnit: z.literal('characters').openapi({ description: 'Lengths count Unicode code points of the NFKC-normalised password, not bytes or UTF-16 units' }),
    specialCharacters: z.literal(PASSWORD_SPECIALS).openapi({ description: 'A password needs at least one of these characters' }),
    rules: z
      .array(z.object({ code: PasswordRuleCode, description: z.string() }))
      .openapi({ description: 'Every rule a new password must meet, each with its stable code and a description for humans' }),
  })
  .openapi('PasswordPolicy');

/**
 * A new password in a request body. Only a bound on the input (hashing work and the 16 kB body): the
 * policy itself, 12 to 200 characters and the rest, answers 422 `password.policy_violation` listing every
 * unmet rule. The bound leaves room for 200 characters of any script (astral characters take two UTF-16
 * units; NFKC may expand).
 */
export const newPassword = text(1000)
  .min(1)
  .openapi({ description: `The new password: ${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters meeting every rule of GET /v1/password-policy`, example: 'Ada-Byron-1815!' });

/** A password already set, re-typed to prove its owner is present. */
export const currentPassword = text(1000).min(1).openapi({ example: 'Merge-me-2026!' });
