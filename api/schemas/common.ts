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

/**
 * The instants the API takes and gives: ISO 8601 with a zone, from 1970 through 9999 in UTC. The format alone
 * lets through year 0000 and offsets that carry 9999-12-31 into year 10000, which Postgres cannot take (a 500):
 * bounding the instant keeps them a 400. A refinement keeps the OpenAPI `format`; the bounds are in words.
 */
export const INSTANT_RANGE = { min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) } as const;
export const isoDate = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    const t = Date.parse(v);
    return t >= INSTANT_RANGE.min && t <= INSTANT_RANGE.max;
  }, 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z')
  .openapi({ example: '2026-11-26T10:00:00.000Z' });

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
