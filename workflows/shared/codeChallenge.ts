/**
 * The emailed-code pattern every verification flow shares: a code per challenge, a time to live,
 * a resend interval and a budget of wrong attempts across all codes of the flow (a resend never
 * refills it, or resending would make guessing free). Pure and deterministic: it takes the time
 * from the caller and holds only HMACs.
 */
export interface ChallengePolicy {
  codeTtlMs: number;
  resendIntervalMs: number;
  maxAttempts: number;
}

export const DEFAULT_CHALLENGE_POLICY: ChallengePolicy = {
  codeTtlMs: 10 * 60_000,
  resendIntervalMs: 60_000,
  maxAttempts: 5,
};

/** The one verdict type of every code check. */
export type Verdict = 'verified' | 'wrong' | 'expired' | 'exhausted';

export interface ChallengeState {
  attemptsLeft: number;
  codeExpiresAt: number | null;
  resendAvailableAt: number | null;
  codesSent: number;
}

export class CodeChallenge {
  private codeHmac: string | null = null;
  private expiresAt: number | null = null;
  private lastSentAt: number | null = null;
  private attemptsLeft: number;
  private codesSent = 0;
  private sending = false;

  constructor(private readonly policy: ChallengePolicy) {
    this.attemptsLeft = policy.maxAttempts;
  }

  /** Milliseconds until another code may be sent; 0 when one may be sent now. */
  retryAfterMs(now: number): number {
    if (this.sending) return this.policy.resendIntervalMs;
    if (this.lastSentAt === null) return 0;
    return Math.max(0, this.lastSentAt + this.policy.resendIntervalMs - now);
  }

  /** Runs `send` (which emails a code and returns its HMAC) and makes that code the only valid one. */
  async issue(now: () => number, send: () => Promise<string>): Promise<void> {
    this.sending = true;
    try {
      const hmac = await send();
      this.codeHmac = hmac;
      this.lastSentAt = now();
      this.expiresAt = this.lastSentAt + this.policy.codeTtlMs;
      this.codesSent += 1;
    } finally {
      this.sending = false;
    }
  }

  get hasCode(): boolean {
    return this.codeHmac !== null;
  }

  get exhausted(): boolean {
    return this.attemptsLeft <= 0;
  }

  /** `matches` compares HMACs; an expired code is rejected without spending an attempt. */
  verify(now: number, matches: (expectedHmac: string) => boolean): Verdict {
    if (this.exhausted) return 'exhausted';
    if (this.codeHmac === null || this.expiresAt === null) return 'wrong';
    if (now >= this.expiresAt) return 'expired';
    if (matches(this.codeHmac)) {
      this.codeHmac = null; // single use
      return 'verified';
    }
    this.attemptsLeft -= 1;
    return this.exhausted ? 'exhausted' : 'wrong';
  }

  state(now: number): ChallengeState {
    return {
      attemptsLeft: this.attemptsLeft,
      codeExpiresAt: this.expiresAt,
      resendAvailableAt: this.lastSentAt === null ? null : now + this.retryAfterMs(now),
      codesSent: this.codesSent,
    };
  }
}

/** Constant-time comparison of two hex strings, usable inside the workflow sandbox (no node:crypto). */
export function hmacEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
