import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Sql } from '../db/client';
import { appendAudit } from '../db/queries/audit';
import { AppError, retryLater } from '../lib/errors';
import type { DerivedKeys } from '../lib/keys';
import { codeHmac } from '../lib/verificationCode';
import type { CodeRejection, CodeUpdates, RequestCodeArgs } from '../workflows/shared/verification';
import { createBudgets, type BudgetName } from './budgets';
import { rejectionTokenMatches } from './rejections';
import { temporalUnavailable, updateError, type FlowErrors } from './temporalErrors';

const VERDICT_ERRORS = {
  wrong: ['verification_code.invalid', 'The code is wrong'],
  expired: ['verification_code.expired', 'The code has expired; ask for a new one'],
  exhausted: ['verification_code.attempts_exhausted', 'Too many wrong codes; this flow has failed'],
} as const;

/** Who is proving what: the budgets are charged to both. */
export interface Proof {
  /** What the code proves, as `<type>:<id>` for the audit log (`profile:…`, `account:…`, `address:<hmac>`). */
  subjectType: string;
  subjectId: string;
  /** The signed-in account making the attempt, if any. */
  actorAccountId: string | null;
}

/**
 * The API side of the verification kit: every code flow drives its workflow through here, so HMACs of
 * typed codes, deadlines, durable budgets, audit entries and the `verification_code.*` answers are the
 * same for all of them.
 */
export function createCodeFlows(
  // Only the `codeHmac` and `rejectionToken` subkeys: the API checks typed codes and "not you" tokens, it never derives a code.
  { sql, temporal, keys, deadlineMs }: { sql: Sql; temporal: Client; keys: Pick<DerivedKeys, 'codeHmac' | 'rejectionToken'>; deadlineMs: number },
) {
  const budgets = createBudgets(sql);

  /** Runs one Temporal call under a deadline; outages become 503 or 429, anything else is rethrown. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await temporal.withDeadline(Date.now() + deadlineMs, run);
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
  }

  /** Runs one Update (or query) of a flow under a deadline, mapping typed rejections and outages. */
  async function update<T>(flow: FlowErrors, run: () => Promise<T>): Promise<T> {
    try {
      return await temporal.withDeadline(Date.now() + deadlineMs, run);
    } catch (err) {
      throw updateError(err, flow) ?? err;
    }
  }

  async function spendProof(p: Proof): Promise<BudgetName[]> {
    const charges: [BudgetName, string][] = [['codeProofsPerSubject', `${p.subjectType}:${p.subjectId}`]];
    if (p.actorAccountId) charges.push(['codeProofsPerActor', p.actorAccountId]);
    const spent: BudgetName[] = [];
    for (const [name, subject] of charges) {
      const r = await budgets.spend(name, subject);
      if (!r.allowed) {
        await refundProof(p, spent);
        await appendAudit(sql, {
          actorAccountId: p.actorAccountId, action: 'verification_code.budget_exhausted',
          subjectType: p.subjectType, subjectId: p.subjectId, details: { budget: name },
        });
        throw retryLater(429, 'verification_code.too_many_attempts', 'Too many wrong codes recently; try again later', r.retryAfterMs);
      }
      spent.push(name);
    }
    return spent;
  }

  async function refundProof(p: Proof, spent: BudgetName[]): Promise<void> {
    for (const name of spent) await budgets.refund(name, name === 'codeProofsPerActor' ? p.actorAccountId! : `${p.subjectType}:${p.subjectId}`);
  }

  return {
    budgets,
    call,
    update,

    /** Whether `token` is the "this was not you" token the code emails of `rejection` carry (constant time). */
    rejectionMatches: (rejection: CodeRejection, token: string) => rejectionTokenMatches(keys.rejectionToken, rejection, token),

    async requestCode<S>(handle: WorkflowHandle, updates: CodeUpdates<S>, args: RequestCodeArgs, flow: FlowErrors) {
      return update(flow, () => handle.executeUpdate(updates.requestCode, { args: [args] }));
    },

    /**
     * Checks a typed code: the workflow sees only its HMAC, bound to the workflow id. A wrong code spends
     * the subject's and the actor's durable budgets; a right or expired one gives the point back.
     * Answers the flow's status, or throws 422 `verification_code.*` with `attemptsLeft`, or 429.
     */
    async verify<S>(handle: WorkflowHandle, updates: CodeUpdates<S>, code: string, proof: Proof, flow: FlowErrors): Promise<S> {
      const spent = await spendProof(proof);
      let r;
      try {
        r = await update(flow, () => handle.executeUpdate(updates.verifyCode, { args: [{ codeHmac: codeHmac(keys.codeHmac, handle.workflowId, code) }] }));
      } catch (err) {
        await refundProof(proof, spent);
        throw err;
      }
      if (r.verdict === 'verified' || r.verdict === 'expired') await refundProof(proof, spent);
      if (r.verdict === 'verified') return r.status;
      await appendAudit(sql, {
        actorAccountId: proof.actorAccountId, action: `verification_code.${r.verdict}`,
        subjectType: proof.subjectType, subjectId: proof.subjectId, details: { workflowId: handle.workflowId, attemptsLeft: r.attemptsLeft },
      });
      const [code_, message] = VERDICT_ERRORS[r.verdict];
      throw new AppError(422, code_, message, { fields: { attemptsLeft: r.attemptsLeft } });
    },
  };
}
export type CodeFlows = ReturnType<typeof createCodeFlows>;
