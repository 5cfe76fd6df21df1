import { createHmac, hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Public on purpose: it is in this repository, so it protects nothing. lib/config.ts falls back to it
 * only when NODE_ENV is development or test and HMAC_SECRET is unset; set explicitly, it is refused.
 */
export const DEV_HMAC_SECRET = 'dev-only-hmac-secret-change-me-in-production-0123456789';

/**
 * Values this repository has published as defaults (docker-compose.yml shipped the second one until it
 * was made mandatory there). Anyone can read them, in the tree or in its history.
 */
const PUBLISHED_SECRETS: readonly string[] = [DEV_HMAC_SECRET, 'change-me-to-a-random-secret-of-32-chars-or-more'];

/**
 * Fragments only a hand-written stand-in contains, compared lowercased with separators removed
 * (`change_me`, `Change-Me`, `CHANGEME` all match). Output of `openssl rand -hex 32` or base64 never
 * contains them in practice: a fixed 8-letter word turns up in random base64 with odds below 10^-12.
 */
const PLACEHOLDER_FRAGMENTS = [
  'changeme', 'replaceme', 'placeholder', 'example', 'devonly', 'notasecret', 'yoursecret', 'mysecret',
  'secretsecret', 'password', 'insecure', '12345678', 'abcdefgh', 'qwerty',
];

/** A random 32-character secret has 15 or more distinct characters; `xxxx…` or `abab…` has a handful. */
export const MIN_DISTINCT_CHARS = 10;

/** True for a published default, an obvious stand-in or a low-entropy value; the caller must not echo it. */
export function isPlaceholderSecret(secret: string): boolean {
  if (PUBLISHED_SECRETS.includes(secret)) return true;
  const squashed = secret.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PLACEHOLDER_FRAGMENTS.some((f) => squashed.includes(f))) return true;
  return new Set(secret).size < MIN_DISTINCT_CHARS;
}

/**
 * One subkey per purpose, each an HKDF-SHA-256 expansion of HMAC_SECRET with its own label: a key
 * recovered or misused in one place (say, a code HMAC) says nothing about another. To add a purpose
 * (`token-pepper`, `totp-encryption`…), add a line here; never reuse or rename a label, since that
 * changes the key and so everything made with it.
 */
const PURPOSES = {
  codeDerivation: 'code-derivation',
  codeHmac: 'code-hmac',
  /** The "this was not you" token a code email carries (libraries/rejections.ts). */
  rejectionToken: 'rejection-token',
  /** Names an address in budget keys and workflow ids without revealing it (libraries/budgets.ts). */
  addressKey: 'address-key',
  /** AES-256-GCM key of the stored TOTP secrets (lib/secretBox.ts, libraries/twoFactor.ts). */
  totpEncryption: 'totp-encryption',
  /** Peppers the HMAC under which 2FA recovery codes are stored (lib/recoveryCodes.ts). */
  recoveryCodePepper: 'recovery-code-pepper',
  /** AES-256-GCM key of the stored company webhook signing secrets (libraries/companyWebhooks). */
  webhookSecretEncryption: 'webhook-secret-encryption',
} as const;

/** Application-wide HKDF salt: keeps our subkeys apart from any other system fed the same secret. */
const HKDF_SALT = 'custodian/hkdf/v1';
const SUBKEY_BYTES = 32;

export type Purpose = keyof typeof PURPOSES;

export type DerivedKeys = { readonly [P in Purpose]: Buffer } & {
  /**
   * Not secret: 8 hex characters of HMAC(secret, 'custodian key id'). It tells operators which secret
   * a process runs with (the api and the worker must agree), without revealing the secret. It is a
   * check value for a guessed secret, as any code HMAC already is; weak secrets are refused anyway.
   */
  readonly keyId: string;
};

/** The key id alone, for comparing deployments. */
export function keyIdOf(secret: string): string {
  return createHmac('sha256', secret).update('custodian key id').digest('hex').slice(0, 8);
}

/**
 * Derives every subkey once (lib/config.ts calls this at load). The result serialises and inspects as
 * its key id only, so logging a config object never writes key material.
 */
export function deriveKeys(secret: string): DerivedKeys {
  const keyId = keyIdOf(secret);
  const subkeys = Object.fromEntries(
    (Object.keys(PURPOSES) as Purpose[]).map((p) => [p, Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, PURPOSES[p], SUBKEY_BYTES))]),
  ) as Record<Purpose, Buffer>;
  const keys = { keyId, ...subkeys };
  // Non-enumerable, so equality checks (and spreading) see only the key id and the subkeys.
  Object.defineProperties(keys, {
    toJSON: { value: () => ({ keyId }) },
    [inspect.custom]: { value: () => `DerivedKeys { keyId: '${keyId}' }` },
  });
  return Object.freeze(keys);
}
