import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/**
 * Authenticator-app codes (RFC 6238), through the `otpauth` package, and the enrolment QR image through
 * `qrcode`: nothing of either is written by hand here. The settings are the ones every authenticator app
 * understands: HMAC-SHA-1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226 §4's recommendation).
 */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
const SECRET_BYTES = 20;
/** One step either side of now: a phone clock 30 s off, or a code typed as it changed, still works. */
const WINDOW = 1;
export const TOTP_ISSUER = 'Custodian';

function totp(secret: Buffer, label = 'account'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS,
    // A copy: the secret owns its buffer, not a slice of Node's shared pool.
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
  });
}

/** A new random secret (raw bytes: what is stored, encrypted). */
export function newTotpSecret(): Buffer {
  return Buffer.from(new Secret({ size: SECRET_BYTES }).bytes);
}

export interface Enrolment {
  /** `otpauth://totp/Custodian:<label>?secret=…&issuer=Custodian&algorithm=SHA1&digits=6&period=30` */
  uri: string;
  /** The secret in base32, for typing into an app by hand. */
  secret: string;
  /** The URI as a QR code, a PNG `data:` URL. */
  qrCode: string;
}

/** What an authenticator app needs to add the account: the URI, its QR code and the secret. */
export async function enrolment(secret: Buffer, label: string): Promise<Enrolment> {
  const t = totp(secret, label);
  const uri = t.toString();
  return { uri, secret: t.secret.base32, qrCode: await QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 240 }) };
}

/**
 * The time step (RFC 6238's T, the HOTP counter) whose code `code` is, within one step of `at`; undefined
 * when it is none of them. Callers accept a step only once (libraries/twoFactor.ts), so a code cannot be
 * replayed within its window.
 */
export function matchingStep(secret: Buffer, code: string, at = Date.now()): number | undefined {
  if (!/^\d+$/.test(code)) return undefined;
  const t = totp(secret);
  const delta = t.validate({ token: code, timestamp: at, window: WINDOW });
  return delta === null ? undefined : t.counter({ timestamp: at }) + delta;
}

/** The code of a secret at a time (tests and tools; the server never needs to produce one). */
export function codeAt(secret: Buffer, at = Date.now()): string {
  return totp(secret).generate({ timestamp: at });
}
