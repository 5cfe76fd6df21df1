import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client';
import { deleteWebhook, findWebhook, listDeliveries, upsertWebhook, type DeliveryError, type WebhookEventType, type WebhookRow } from '../../db/queries/companyWebhooks';
import { AppError, retryLater } from '../../lib/errors';
import { createBudgets } from '../budgets';
import { createCompanyActions, type Actor } from '../companyAccess';
import { decodeCursor, encodeCursor } from '../cursor';
import { checkWebhookUrl } from './addresses';
import { createWebhookDelivery, isSuccess, type DeliverySettings } from './delivery';
import { createWebhookSecrets, newWebhookSecret, type WebhookKeys } from './secrets';

/**
 * The company webhook API (README "Webhooks"): register, read, remove, test, and list delivery attempts.
 * Company admins and service accounts of the company only (libraries/companyAccess.ts), every call audited
 * with ids only; the secret is answered once, when Custodian generates it, and never again.
 */

export interface Webhook {
  companyId: string;
  url: string;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: string;
  eventId: string;
  type: WebhookEventType;
  attempt: number;
  statusCode: number | null;
  error: DeliveryError | null;
  succeeded: boolean;
  durationMs: number;
  attemptedAt: string;
}

export const webhookNotFound = () => new AppError(404, 'webhook.not_found', 'This company has no webhook registered');

const toWebhook = (r: WebhookRow): Webhook => ({ companyId: r.companyId, url: r.url, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });

const subject = (companyId: string, action: string) => ({ companyId, action, subjectType: 'webhook', subjectId: companyId });

export function createCompanyWebhooks({ sql, keys, previousKeys, settings }: {
  sql: Sql;
  keys: WebhookKeys;
  previousKeys?: WebhookKeys;
  settings: DeliverySettings;
}) {
  const actions = createCompanyActions({ sql });
  const secrets = createWebhookSecrets({ keys, previousKeys });
  const delivery = createWebhookDelivery({ sql, secrets, settings });
  const budgets = createBudgets(sql);

  return {
    /**
     * Creates or replaces the company's webhook. Without a secret, one is generated and answered this once;
     * a replacement always replaces the secret too (PUT is the whole resource).
     */
    async register(actor: Actor, companyId: string, input: { url: string; secret?: string }): Promise<{ webhook: Webhook; secret?: string; created: boolean }> {
      return actions.write(actor, subject(companyId, 'webhook.registered'), async (tx) => {
        const verdict = checkWebhookUrl(input.url, settings);
        if (!verdict.ok) {
          throw new AppError(422, 'webhook.url_not_allowed', `The webhook URL ${verdict.reason}`, { details: [{ path: 'url', message: verdict.reason }] });
        }
        const secret = input.secret ?? newWebhookSecret();
        const existed = (await findWebhook(tx, companyId)) !== undefined;
        const row = await upsertWebhook(tx, { companyId, url: verdict.url.href, ...secrets.seal(companyId, secret) });
        return {
          result: { webhook: toWebhook(row), ...(input.secret === undefined ? { secret } : {}), created: !existed },
          details: { created: !existed, secretGenerated: input.secret === undefined },
        };
      });
    },

    async get(actor: Actor, companyId: string): Promise<Webhook> {
      return actions.read(actor, { ...subject(companyId, 'webhook.read'), audit: true }, async () => {
        const row = await findWebhook(sql, companyId);
        if (!row) throw webhookNotFound();
        return toWebhook(row);
      });
    },

    /** Removes the webhook; its delivery history stays listable. */
    async remove(actor: Actor, companyId: string): Promise<void> {
      await actions.write(actor, subject(companyId, 'webhook.deleted'), async (tx) => {
        if (!(await deleteWebhook(tx, companyId))) throw webhookNotFound();
        return { result: undefined };
      });
    },

    /**
     * Sends a `ping` event now, once (no retries), and answers what happened; the attempt is listed like any other.
     * Each ping is a request from our network to a host the company chose: a durable budget per company (429).
     */
    async ping(actor: Actor, companyId: string): Promise<{ eventId: string; delivered: boolean; statusCode: number | null; error: DeliveryError | null; durationMs: number }> {
      const eventId = randomUUID();
      // A read, not a write: no transaction is held open while a receiver takes its time.
      return actions.read(actor, { ...subject(companyId, 'webhook.tested'), audit: true }, async () => {
        const budget = await budgets.spend('webhookTestsPerCompany', companyId);
        if (!budget.allowed) throw retryLater(429, 'webhook.too_many_tests', 'Too many test pings for this company recently; try again later', budget.retryAfterMs);
        const outcome = await delivery.attempt({ companyId, eventId, type: 'ping', createdAt: new Date(), data: {}, attempt: 1 });
        if (outcome.reason === 'no_webhook') throw webhookNotFound();
        return { eventId, delivered: outcome.delivered, statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs };
      });
    },

    /** Delivery attempts, newest first, by cursor; optionally of one event. Listed even after the webhook is removed. */
    async deliveries(actor: Actor, companyId: string, q: { limit: number; cursor?: string; eventId?: string }): Promise<{ items: Delivery[]; nextCursor: string | null }> {
      return actions.read(actor, { ...subject(companyId, 'webhook.deliveries_listed'), audit: true }, async () => {
        const keys = decodeCursor(q.cursor, ['timestamp', 'uuid']);
        const after = keys && { attemptedAt: keys[0], id: keys[1] };
        const rows = await listDeliveries(sql, { companyId, limit: q.limit + 1, after, eventId: q.eventId });
        const page = rows.slice(0, q.limit);
        const last = page.at(-1);
        return {
          items: page.map((r) => ({
            id: r.id, eventId: r.eventId, type: r.type, attempt: r.attempt, statusCode: r.statusCode, error: r.error,
            succeeded: r.error === null && isSuccess(r.statusCode), durationMs: r.durationMs, attemptedAt: r.attemptedAt.toISOString(),
          })),
          nextCursor: rows.length > q.limit && last ? encodeCursor([last.attemptedAtText, last.id]) : null,
        };
      });
    },
  };
}
export type CompanyWebhooks = ReturnType<typeof createCompanyWebhooks>;
