import type { Sql } from '../db/client';
import { violatedConstraint } from '../db/errors';
import { appendAudit } from '../db/queries/audit';
import { deletePendingPassword, upsertPendingPassword } from '../db/queries/passwordResets';
import { AppError, retryLater } from '../lib/errors';
import { hashPassword } from '../lib/passwords';
import { BUDGETS, type BudgetName, type Budgets } from './budgets';
import type { Proof } from './verification';

const per = ({ limit, windowSeconds }: { limit: number; windowSeconds: number }) =>
  `${limit} ${windowSeconds === 3600 ? 'an hour' : windowSeconds === 24 * 3600 ? 'a day' : `per ${windowSeconds} s`}`;

/** The two budgets in words, for the routes' documentation. */
export const CODE_BUDGETS = { client: per(BUDGETS.passwordCodesPerClient), flow: per(BUDGETS.passwordCodesPerFlow) } as const;

/** One submission of an emailed code with a new password (an invitation's acceptance, a reset's completion). */
export interface CodeWithPassword<T> {
  /** Where the request came from: req.ip, TRUST_PROXY applied. */
  clientAddress: string;
  /** The flow the code belongs to, as its budget's key: `invitation:<id>`, `password-reset:<runId>`. */
  flowKey: string;
  /** Whose code it is, for the audit of a refusal (the kit's proof). */
  proof: Proof;
  password: string;
  /** Where the hash waits for its code's verdict: the run's pending row under the code's HMAC. */
  pending: { runId: string; codeHmac: string; accountId: string | null; ttlMs: number };
  /** The kit's verify: resolves for a right code, throws its 422, 429 or 409 otherwise. */
  verify(): Promise<void>;
  /** A refusal that may mean this very code was verified by an earlier attempt whose answer was lost. */
  perhapsVerifiedBefore(err: unknown): boolean;
  /** The flow's apply Update, answering its outcome; `refusal`, if it refuses too, is the answer. */
  finish(refusal?: unknown): Promise<T>;
  /** The answer when the account the hash would wait for was removed meanwhile: the flow closed under the request. */
  gone(): unknown;
}

/**
 * Setting a password with an emailed code, without a session, for every flow that does it. argon2 is the
 * expensive step and must come before the code's verdict: a verified code makes the run apply the password
 * at once, in the task that records the verdict, so the hash already waits under the code's HMAC (a hash,
 * never the password, and never in history). So, after the caller's cheap checks (the flow exists and is
 * open, the code's format, the policy), a point is reserved atomically on two durable budgets before
 * hashing: the client address's, across flows and both endpoints, and the flow's, which bounds a burst of
 * parallel guesses that all reach argon2 before the first verdict. A refusal is 429 with `Retry-After`,
 * and nothing is hashed. A right code gives both points back.
 */
export function createPasswordWithCode({ sql, budgets }: { sql: Sql; budgets: Budgets }) {
  const REFUSALS: Partial<Record<BudgetName, string>> = {
    passwordCodesPerClient: 'Too many wrong codes from this address recently; try again later',
    passwordCodesPerFlow: 'Too many wrong codes for this invitation or reset recently; try again later',
  };

  /** Spends a point on each budget, or none: throws 429 (audited) when one is spent. Answers the refund. */
  async function reserve(s: Pick<CodeWithPassword<unknown>, 'clientAddress' | 'flowKey' | 'proof'>): Promise<() => Promise<void>> {
    const taken: [BudgetName, string][] = [];
    const giveBack = async () => {
      for (const [name, key] of taken) await budgets.refund(name, key);
    };
    for (const [name, key] of [['passwordCodesPerClient', s.clientAddress], ['passwordCodesPerFlow', s.flowKey]] as const) {
      const r = await budgets.spend(name, key);
      if (!r.allowed) {
        await giveBack();
        await appendAudit(sql, {
          actorAccountId: null, action: 'verification_code.budget_exhausted', subjectType: s.proof.subjectType, subjectId: s.proof.subjectId,
          details: { budget: name }, ip: s.clientAddress,
        });
        throw retryLater(429, 'verification_code.too_many_attempts', REFUSALS[name]!, r.retryAfterMs);
      }
      taken.push([name, key]);
    }
    return giveBack;
  }

  return {
    async submit<T>(s: CodeWithPassword<T>): Promise<T> {
      const refund = await reserve(s);
      const { runId, codeHmac, accountId, ttlMs } = s.pending;
      const passwordHash = await hashPassword(s.password);
      try {
        await upsertPendingPassword(sql, { runId, codeHmac, accountId, passwordHash, expiresAt: new Date(Date.now() + ttlMs) });
      } catch (err) {
        // The flow closed while the password was hashed and took its account along (an unaccepted invitation's
        // close removes it): the row's foreign key is the check, atomic with that removal. The points stay
        // spent: the hash was made, and the budget bounds exactly that work.
        if (violatedConstraint(err) !== 'password_reset_passwords__account_id__fkey') throw err;
        throw s.gone();
      }
      try {
        await s.verify();
      } catch (err) {
        if (!s.perhapsVerifiedBefore(err)) {
          // A definite "no" (wrong, expired, exhausted, over budget): the hash waits for nothing. An outage keeps
          // it: the code may have been verified, and the apply needs it.
          if (err instanceof AppError && (err.status === 422 || err.status === 429)) await deletePendingPassword(sql, runId, codeHmac);
          throw err;
        }
        // Not open for codes any more: `finish` takes only a code the run verified, so it decides.
        const answer = await s.finish(err);
        await refund();
        return answer;
      }
      await refund();
      return s.finish();
    },
  };
}
export type PasswordWithCode = ReturnType<typeof createPasswordWithCode>;
