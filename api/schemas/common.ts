import { z } from './zod';

/**
 * Postgres rejects NUL in text; refusing it here turns a would-be 500 into a clear 400. A pattern rather
 * than a refinement, so the OpenAPI document states the rule too.
 */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
export const text = (max: number) => z.string().max(max).regex(/^[^\u0000]*$/, 'must not contain NUL characters');

// HTML5's definition: what browsers and `format: email` generators produce (RFC 5322 atext, `#` and `'`
// included), without the quoted and comment forms nobody uses.
export const email = z
  .email({ pattern: z.regexes.html5Email, message: 'must be an email address' })
  .max(254)
  .openapi({ example: 'ada@demo.custodian.test' });

export const uuid = z.uuid({ message: 'must be a UUID' });

export const isoDate = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-26T10:00:00.000Z' });

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ description: 'A message for humans; may change.' }),
    code: z.string().openapi({ description: 'A stable dotted code for programs, such as `auth.invalid_credentials`.' }),
    details: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Per-field problems, for validation errors.' }),
    rules: z
      .array(z.string())
      .optional()
      .openapi({ description: 'For `password.policy_violation`: the stable code of every unmet password rule (see `GET /v1/password-policy`); for `profile.not_publishable`: of every missing prerequisite of a public profile. In the order of `details`.' }),
  })
  .openapi('Error');

export const IdParams = z.object({ id: uuid.openapi({ param: { name: 'id', in: 'path' } }) });
