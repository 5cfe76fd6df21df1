import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../db/client';
import { resealWebhookSecret, type WebhookRow } from '../../db/queries/companyWebhooks';
import type { DerivedKeys } from '../../lib/keys';
import { createSecretBox } from '../../lib/secretBox';

/**
 * Webhook signing secrets at rest (README "Webhooks"): sealed with AES-256-GCM under the
 * `webhook-secret-encryption` subkey, the company id as additional data (a sealed secret copied onto another
 * company's row does not open). Sealed, not hashed, because every delivery signs with the secret itself.
 * A secret sealed under HMAC_SECRET_PREVIOUS still opens and is sealed again under the current key.
 */

export type WebhookKeys = Pick<DerivedKeys, 'keyId' | 'webhookSecretEncryption'>;

const context = (companyId: string) => `company-webhook:${companyId}`;

/** `whsec_` and 32 random bytes in base64url: recognisable in a secret scanner, 256 bits of entropy. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export function createWebhookSecrets({ keys, previousKeys }: { keys: WebhookKeys; previousKeys?: WebhookKeys }) {
  // Built on first use: the activity factory is also called without keys to list activity names.
  let box: ReturnType<typeof createSecretBox> | undefined;
  const theBox = () =>
    (box ??= createSecretBox(
      { id: keys.keyId, key: keys.webhookSecretEncryption },
      previousKeys ? [{ id: previousKeys.keyId, key: previousKeys.webhookSecretEncryption }] : [],
    ));

  function seal(companyId: string, secret: string): { secretKeyId: string; secretSealed: Buffer } {
    const { keyId, sealed } = theBox().seal(Buffer.from(secret, 'utf8'), context(companyId));
    return { secretKeyId: keyId, secretSealed: sealed };
  }

  return {
    seal,

    /** The secret of a stored webhook; throws SecretBoxError when no configured key opens it. */
    async open(sql: Queryable, row: Pick<WebhookRow, 'companyId' | 'secretKeyId' | 'secretSealed'>): Promise<string> {
      const { plaintext, stale } = theBox().open({ keyId: row.secretKeyId, sealed: row.secretSealed }, context(row.companyId));
      const secret = plaintext.toString('utf8');
      if (stale) await resealWebhookSecret(sql, row.companyId, { secretKeyId: row.secretKeyId }, seal(row.companyId, secret));
      return secret;
    },
  };
}
export type WebhookSecrets = ReturnType<typeof createWebhookSecrets>;
