import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Sql } from '../db/client';
import type { Config } from '../lib/config';
import type { DerivedKeys } from '../lib/keys';
import { EVENT_ID } from '../lib/webhookSignature';
import { createWebhookDelivery, describeFailure, type DeliverySettings } from '../libraries/companyWebhooks/delivery';
import { createWebhookSecrets } from '../libraries/companyWebhooks/secrets';

export interface DeliverWebhookInput {
  companyId: string;
  /** Chosen by the workflow (`offboarding/<id>/completed`, say), so every retry carries the same one; 1 to 200 of [A-Za-z0-9._:/-]. */
  eventId: string;
  type: 'offboarding.completed' | 'offboarding.failed';
  /** Ids and counts only: this lands in workflow history and in the receiver's hands. */
  data: Record<string, unknown>;
}

/** Outside a worker (no config passed): 10 s, and no loopback receivers. */
const DEFAULT_SETTINGS: Config['webhooks'] = { timeoutMs: 10_000, allowLoopback: false };

/** The activity's attempt and first scheduling time; 1 and now when called outside an activity (tests, scripts). */
function attemptInfo(): { attempt: number; createdAt: Date } {
  try {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    return { attempt, createdAt: new Date(scheduledTimestampMs) };
  } catch {
    return { attempt: 1, createdAt: new Date() };
  }
}

export function createWebhookActivities({ sql, keys, previousKeys, webhooks }: {
  sql: Sql;
  keys: DerivedKeys;
  previousKeys?: DerivedKeys;
  webhooks?: Config['webhooks'];
}) {
  const settings: DeliverySettings = webhooks ?? DEFAULT_SETTINGS;
  const delivery = createWebhookDelivery({ sql, secrets: createWebhookSecrets({ keys, previousKeys }), settings });

  return {
    /**
     * Tells the company's HR system about an offboarding run (README "Webhooks"): one signed POST, recorded in
     * webhook_deliveries. `{delivered: false}` at once when the company has no webhook. The body's `createdAt`
     * is when the activity was first scheduled, so it is the same on every retry, like the event id.
     *
     * Raises `WebhookDeliveryFailed` (retryable) on a non-2xx answer, a timeout, a network or DNS error, an
     * address the SSRF rules refuse, or a secret no configured key opens: Temporal retries it with the
     * workflow's backoff. Its message never carries the URL. Raises `InvalidWebhookEvent` (non-retryable) for an
     * event id that is not 1 to 200 of `[A-Za-z0-9._:/-]` (it travels as a header).
     */
    async deliverWebhook(input: DeliverWebhookInput): Promise<{ delivered: boolean }> {
      if (!EVENT_ID.test(input.eventId)) {
        throw ApplicationFailure.nonRetryable('a webhook event id is 1 to 200 of [A-Za-z0-9._:/-]', 'InvalidWebhookEvent');
      }
      const { attempt, createdAt } = attemptInfo();
      const outcome = await delivery.attempt({ ...input, attempt, createdAt });
      if (outcome.reason === 'no_webhook') return { delivered: false };
      if (!outcome.delivered) throw ApplicationFailure.retryable(describeFailure(outcome, settings.timeoutMs), 'WebhookDeliveryFailed');
      return { delivered: true };
    },
  };
}
