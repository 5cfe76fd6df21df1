import type { Queryable } from '../../db/client';
import { findRequestKey, insertRequestKey, lockRequestKey } from '../../db/queries/offboardings';
import { hmacHex } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { requestHmac } from './requests';

/**
 * The `Idempotency-Key` header, as Stripe honours it: a key seen before from the same caller in the company answers
 * what it answered the first time, and the same key with a different request is refused (422
 * `offboarding.idempotency_key_reused`). Keys are the caller's own (Stripe scopes them per account): the caller's
 * account id is part of the key's HMAC, so two HR systems, or an admin and a script, who happen to pick the same key
 * never answer, refuse or reveal each other's requests. Requests carrying one key are serialised by an advisory
 * lock, so two at once cannot both be first. Only HMACs of the key and of the request are stored: a caller may put
 * anything in a key, an email included.
 */
export interface KeyClaim {
  companyId: string;
  keyHmac: string;
  requestHmac: string;
  earlier?: { offboardingId: string | null; batchId: string | null };
}

export const keyReused = () =>
  new AppError(422, 'offboarding.idempotency_key_reused', 'This Idempotency-Key was used with a different request; use a new key for a new request');

export function createRequestKeys(addressKey: Buffer) {
  return {
    async claim(
      tx: Queryable, { companyId, callerAccountId }: { companyId: string; callerAccountId: string }, key: string | undefined,
      kind: 'offboarding' | 'batch', request: unknown,
    ): Promise<KeyClaim | undefined> {
      if (key === undefined) return undefined;
      const keyHmac = hmacHex(addressKey, `idempotency-key\n${callerAccountId}\n${key}`);
      const fingerprint = requestHmac(addressKey, kind, request);
      await lockRequestKey(tx, companyId, keyHmac);
      const row = await findRequestKey(tx, companyId, keyHmac);
      if (row && row.requestHmac !== fingerprint) throw keyReused();
      return { companyId, keyHmac, requestHmac: fingerprint, ...(row ? { earlier: { offboardingId: row.offboardingId, batchId: row.batchId } } : {}) };
    },

    async record(tx: Queryable, claim: KeyClaim | undefined, target: { offboardingId: string } | { batchId: string }): Promise<void> {
      if (!claim || claim.earlier) return;
      await insertRequestKey(tx, { companyId: claim.companyId, keyHmac: claim.keyHmac, requestHmac: claim.requestHmac, ...target });
    },
  };
}
