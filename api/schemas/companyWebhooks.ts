import { EVENT_ID } from '../../lib/webhookSignature';
import { NextCursor, PageQuery } from './listing';
import { isoDate, uuid } from './common';
import { z } from './zod';

/** README "Webhooks". */

export const WebhookSecret = z
  .string()
  .min(24)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .openapi({ description: 'The signing secret (24 to 256 printable ASCII characters). Omit it and Custodian generates one (`whsec_…`) and answers it once.' });

export const RegisterWebhook = z
  .object({
    url: z.string().max(2048).openapi({
      description: 'Where events are POSTed: https, on a public host (private, loopback and link-local addresses are refused). Redirects are not followed.',
      example: 'https://hr.example.com/hooks/custodian',
    }),
    secret: WebhookSecret.optional(),
  })
  .strict()
  .openapi('RegisterWebhook');

const webhookFields = {
  companyId: uuid,
  url: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
};

export const Webhook = z.object(webhookFields).openapi('Webhook', { description: 'The company\'s webhook; its secret is never shown again' });

export const RegisteredWebhook = z
  .object({
    ...webhookFields,
    secret: z.string().optional().openapi({ description: 'The generated signing secret: present only when the request gave none, and shown this once' }),
  })
  .openapi('RegisteredWebhook');

const DeliveryError = z
  .enum(['timeout', 'connection', 'dns', 'address_not_allowed', 'secret_unreadable'])
  .nullable()
  .openapi({ description: 'Why no HTTP answer came back: `timeout`, `connection` (refused, reset, TLS), `dns`, `address_not_allowed` (the host resolved to a private address), `secret_unreadable` (an operator problem); null when the receiver answered' });

export const WebhookDelivery = z
  .object({
    id: uuid,
    eventId: z.string().openapi({ description: 'The event\'s id (`Custodian-Event-Id`): the same on every attempt of one event' }),
    type: z.enum(['ping', 'offboarding.completed', 'offboarding.failed']),
    attempt: z.number().int().min(1).openapi({ description: '1 for the first try of the event, then 2, 3… as it is retried' }),
    statusCode: z.number().int().nullable().openapi({ description: 'The receiver\'s HTTP status; null when it did not answer' }),
    error: DeliveryError,
    succeeded: z.boolean().openapi({ description: 'A 2xx answer' }),
    durationMs: z.number().int().min(0),
    attemptedAt: isoDate,
  })
  .openapi('WebhookDelivery');

export const WebhookDeliveryPage = z
  .object({ items: z.array(WebhookDelivery), nextCursor: NextCursor })
  .openapi('WebhookDeliveryPage');

export const WebhookDeliveriesQuery = z.object({
  ...PageQuery,
  eventId: z.string().regex(EVENT_ID, 'must be an event id').optional().openapi({ param: { name: 'eventId', in: 'query' }, description: 'Only the attempts of this event' }),
});

export const WebhookPing = z
  .object({
    eventId: uuid,
    delivered: z.boolean().openapi({ description: 'The receiver answered 2xx' }),
    statusCode: z.number().int().nullable(),
    error: DeliveryError,
    durationMs: z.number().int().min(0),
  })
  .openapi('WebhookPing');
