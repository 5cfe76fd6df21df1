import http from 'node:http';
import https from 'node:https';
import type { Sql } from '../../db/client';
import { findWebhook, insertDelivery, type DeliveryError, type WebhookEventType, type WebhookRow } from '../../db/queries/companyWebhooks';
import { SecretBoxError } from '../../lib/secretBox';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signWebhook } from '../../lib/webhookSignature';
import { checkWebhookUrl, guardedLookup, AddressNotAllowedError, type AddressPolicy } from './addresses';
import type { WebhookSecrets } from './secrets';

/**
 * One delivery attempt of a webhook event (README "Webhooks"): a signed POST of
 * `{id, type, createdAt, companyId, data}` to the company's URL, recorded in webhook_deliveries whatever
 * happens. No redirect is followed (a 3xx is a failure), the response body is never read, and the whole
 * exchange has one deadline.
 */

export interface DeliverySettings extends AddressPolicy {
  timeoutMs: number;
}

export interface WebhookEvent {
  companyId: string;
  /** The same on every retry of one event, so receivers can drop duplicates. */
  eventId: string;
  type: WebhookEventType;
  /** When the event happened: the same on every retry, like the id. */
  createdAt: Date;
  data: Record<string, unknown>;
  /** 1 for the first try; the activity's attempt number on retries. */
  attempt: number;
}

export type DeliveryOutcome =
  | { delivered: false; reason: 'no_webhook' }
  | { delivered: boolean; reason?: undefined; statusCode: number | null; error: DeliveryError | null; durationMs: number };

class DeliveryTimeout extends Error {}

const USER_AGENT = 'Custodian-Webhooks/1';

/** POSTs and answers the status once the response headers arrive; the body is discarded unread. */
function post(url: URL, body: string, headers: Record<string, string>, settings: DeliverySettings): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': USER_AGENT },
      // A fresh connection each time: a pooled socket would skip guardedLookup's check of the address.
      agent: false,
      lookup: guardedLookup(settings) as unknown as http.RequestOptions['lookup'],
    }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    const timer = setTimeout(() => req.destroy(new DeliveryTimeout()), settings.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}

function classify(err: unknown): DeliveryError {
  if (err instanceof DeliveryTimeout) return 'timeout';
  if (err instanceof AddressNotAllowedError) return 'address_not_allowed';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  return 'connection';
}

export const isSuccess = (statusCode: number | null) => statusCode !== null && statusCode >= 200 && statusCode < 300;

export function createWebhookDelivery({ sql, secrets, settings }: { sql: Sql; secrets: WebhookSecrets; settings: DeliverySettings }) {
  async function secretOf(row: WebhookRow): Promise<string | undefined> {
    try {
      return await secrets.open(sql, row);
    } catch (err) {
      if (err instanceof SecretBoxError) return undefined;
      throw err;
    }
  }

  /** Sends the event once and records the attempt; `{delivered: false, reason: 'no_webhook'}` when none is registered. */
  async function attempt(event: WebhookEvent): Promise<DeliveryOutcome> {
    const row = await findWebhook(sql, event.companyId);
    if (!row) return { delivered: false, reason: 'no_webhook' };
    const attemptedAt = new Date();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: DeliveryError | null = null;
    const secret = await secretOf(row);
    const verdict = checkWebhookUrl(row.url, settings);
    if (secret === undefined) error = 'secret_unreadable';
    else if (!verdict.ok) error = 'address_not_allowed';
    else {
      const body = JSON.stringify({ id: event.eventId, type: event.type, createdAt: event.createdAt.toISOString(), companyId: event.companyId, data: event.data });
      const headers = {
        [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        [EVENT_ID_HEADER]: event.eventId,
        [EVENT_TYPE_HEADER]: event.type,
      };
      try {
        statusCode = await post(verdict.url, body, headers, settings);
      } catch (err) {
        error = classify(err);
      }
    }
    const durationMs = Math.round(performance.now() - started);
    await insertDelivery(sql, { companyId: event.companyId, eventId: event.eventId, type: event.type, attempt: event.attempt, statusCode, error, durationMs, attemptedAt });
    return { delivered: error === null && isSuccess(statusCode), statusCode, error, durationMs };
  }

  return { attempt };
}
export type WebhookDelivery = ReturnType<typeof createWebhookDelivery>;

/** Keeps the URL out of the message: it may carry a receiver's own token, and the message lands in workflow history. */
export function describeFailure(o: { statusCode: number | null; error: DeliveryError | null }, timeoutMs: number): string {
  if (o.error === 'timeout') return `webhook delivery timed out after ${timeoutMs} ms`;
  if (o.error) return `webhook delivery failed: ${o.error}`;
  return `webhook delivery failed: the receiver answered HTTP ${o.statusCode}`;
}
