import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets the server must read back (a TOTP seed), stored encrypted: AES-256-GCM with a purpose subkey
 * from lib/keys.ts, a fresh random 96-bit IV per seal, and a context string (such as the owning account's
 * id) as additional authenticated data, so a ciphertext copied onto another row does not open there.
 *
 * Stored as two columns: the key id (lib/keys.ts `keyId` of the secret the subkey came from) and
 * `version ‖ iv ‖ tag ‖ ciphertext`. The key id says which key opens it, so HMAC_SECRET can be rotated:
 * the previous secret's key keeps opening old rows (`stale: true`) until they are sealed again.
 */
export interface BoxKey {
  /** The key id of the secret the key was derived from (8 hex characters). */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface Sealed {
  keyId: string;
  sealed: Buffer;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = 1 + IV_BYTES + TAG_BYTES;

/** Why a sealed value did not open: an unknown key, or anything changed (value, context or key). */
export class SecretBoxError extends Error {
  constructor(readonly reason: 'unknown_key' | 'malformed' | 'authentication_failed') {
    super(`sealed secret could not be opened: ${reason}`);
    this.name = 'SecretBoxError';
  }
}

/** `current` seals and opens; `previous` keys (an older HMAC_SECRET) only open. */
export function createSecretBox(current: BoxKey, previous: readonly BoxKey[] = []) {
  for (const k of [current, ...previous]) {
    if (k.key.length !== 32) throw new Error('an AES-256-GCM key has 32 bytes');
  }
  const byId = new Map([...previous, current].map((k) => [k.id, k.key]));

  return {
    keyId: current.id,

    seal(plaintext: Buffer, context: string): Sealed {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { keyId: current.id, sealed: Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]) };
    },

    /** The plaintext, and whether it was sealed under a previous key (then seal it again). Throws SecretBoxError. */
    open({ keyId, sealed }: Sealed, context: string): { plaintext: Buffer; stale: boolean } {
      const key = byId.get(keyId);
      if (!key) throw new SecretBoxError('unknown_key');
      if (sealed.length <= HEADER || sealed[0] !== VERSION) throw new SecretBoxError('malformed');
      const iv = sealed.subarray(1, 1 + IV_BYTES);
      const tag = sealed.subarray(1 + IV_BYTES, HEADER);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        const plaintext = Buffer.concat([decipher.update(sealed.subarray(HEADER)), decipher.final()]);
        return { plaintext, stale: keyId !== current.id };
      } catch {
        throw new SecretBoxError('authentication_failed');
      }
    },
  };
}
export type SecretBox = ReturnType<typeof createSecretBox>;
