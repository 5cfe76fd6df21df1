import { z } from './zod';

/** Postgres rejects NUL in text; refusing it here turns a would-be 500 into a clear 400. */
export const text = (max: number) =>
  z.string().max(max).refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' });

export const email = z
  .email({ message: 'must be an email address' })
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
  })
  .openapi('Error');

export const IdParams = z.object({ id: uuid.openapi({ param: { name: 'id', in: 'path' } }) });
