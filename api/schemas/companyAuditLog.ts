import { isoDate, uuid } from './common';
import { FormatQuery, NextCursor, PageQuery } from './listing';
import { z } from './zod';

export const AuditLogQuery = z.object({
  actor: uuid.optional().openapi({ param: { name: 'actor', in: 'query' }, description: 'Only entries of this acting account (its id)' }),
  action: z.string().max(100).regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?$/, 'must be an action, or a prefix ending with a dot').optional().openapi({
    param: { name: 'action', in: 'query' },
    description: 'Only this action (`member.deactivated`), or with a final dot every action under that prefix (`member.`)',
    example: 'member.',
  }),
  from: isoDate.optional().openapi({ param: { name: 'from', in: 'query' }, description: 'Only entries that occurred at or after this instant' }),
  to: isoDate.optional().openapi({ param: { name: 'to', in: 'query' }, description: 'Only entries that occurred strictly before this instant' }),
  ...PageQuery,
  ...FormatQuery,
});

export const AuditLogEntry = z
  .object({
    id: z.string().regex(/^[0-9]+$/).openapi({ description: 'The entry\'s number; later entries of the company mostly have larger ones', example: '1042' }),
    occurredAt: isoDate.openapi({ description: 'When the action happened (its transaction\'s start)' }),
    actor: z.object({
      accountId: z.string().nullable().openapi({ description: 'The acting account; an erased account shows as a tombstone id (`e7a5ed00-…`); null for the system' }),
      credential: z.enum(['session', 'apiKey', 'pat', 'system']).nullable()
        .openapi({ description: 'What the actor came with; `system` for a workflow acting on an admin\'s or HR system\'s behalf' }),
    }),
    action: z.string().openapi({ description: 'What was done, dotted', example: 'member.deactivated' }),
    subject: z.object({
      type: z.string().openapi({ description: 'The kind of thing acted on', example: 'account' }),
      id: z.string().openapi({ description: 'Its id' }),
    }),
    outcome: z.enum(['succeeded', 'failed', 'denied']).openapi({ description: '`denied`: refused by the access rules; `failed`: refused by the action itself' }),
    ip: z.string().nullable().openapi({ description: 'The client address (behind TRUST_PROXY\'s proxies)', example: '203.0.113.9' }),
    requestId: z.string().nullable().openapi({ description: 'The request\'s X-Request-Id' }),
    details: z.record(z.string(), z.unknown()).openapi({ description: 'Ids and verdicts particular to the action; never a name or an email' }),
  })
  .openapi('AuditLogEntry');

export const AuditLogPage = z.object({ items: z.array(AuditLogEntry), nextCursor: NextCursor }).openapi('AuditLogPage');
