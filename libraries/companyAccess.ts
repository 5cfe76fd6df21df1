import type { Sql } from '../db/client';
import type { Queryable } from '../db/client';
import { appendAudit, type AuditEntry } from '../db/queries/audit';
import { AppError } from '../lib/errors';
import { revokingTransaction, type Revocations } from './credentialCache';
import type { Principal } from './principal';

/**
 * Who may use the company API (README "Company user management"), in one place:
 * - the company boundary: a caller sees only its own company; any other company id is 404 `company.not_found`,
 *   exactly as for a company that does not exist, so ids reveal nothing;
 * - the role: a company admin, or a service account of the company. Any other member gets 403
 *   `company.admin_required`;
 * - the scope (`company-users:read`, `apps:write`, ...) is the route's own declaration (api/route.ts), so a
 *   token without it is refused before this runs.
 */

/** A caller of the company API and where its request came from: what every action is audited with. */
export interface Actor {
  principal: Principal;
  ip: string | null;
  requestId: string | null;
}

export const companyNotFound = () => new AppError(404, 'company.not_found', 'No such company');
export const adminRequired = () =>
  new AppError(403, 'company.admin_required', 'Only a company admin or a service account of this company can do this');

/** Whether the principal may manage this company; throws 404 or 403 otherwise. */
export function assertCompanyManager(principal: Principal, companyId: string): void {
  if (principal.companyId !== companyId) throw companyNotFound();
  if (!principal.isCompanyAdmin && !principal.isServiceAccount) throw adminRequired();
}

export interface CompanyAction {
  companyId: string;
  /** Dotted, past tense once done: `member.deactivated`, `app.technical_contact_changed`. */
  action: string;
  subjectType: string;
  subjectId: string;
}

type Details = NonNullable<AuditEntry['details']>;

const entry = (actor: Actor, a: CompanyAction, outcome: AuditEntry['outcome'], details: Details): AuditEntry => ({
  actorAccountId: actor.principal.accountId,
  actorCredential: actor.principal.credential.kind,
  // An action on another company is logged in the caller's own company's log: the other company learns nothing.
  companyId: actor.principal.companyId,
  ip: actor.ip,
  requestId: actor.requestId,
  action: a.action,
  subjectType: a.subjectType,
  subjectId: a.subjectId,
  outcome,
  details,
});

/**
 * The company API's actions, each checked and audited the same way:
 * - `write`: checks the caller, runs `fn` in one transaction and writes its audit entry (outcome
 *   `succeeded`, with the details `fn` returns) in the same transaction, so an action and its entry commit
 *   together; a refusal (`denied`: not this company, not a manager) or a failure (`failed`, with the error's
 *   code) is written after the rollback, then rethrown.
 * - `read`: the same for what needs no transaction (lookups, exports), audited when `audit` is set.
 */
export function createCompanyActions({ sql, revocations }: { sql: Sql; revocations?: Revocations }) {
  // Given `revocations` (the services whose writes revoke: deactivation, service accounts), a write that
  // revoked answers only once every API process has evicted it from its token cache (libraries/credentialCache).
  const begin = revokingTransaction(sql, revocations);
  async function refused(actor: Actor, a: CompanyAction, err: unknown): Promise<never> {
    if (err instanceof AppError && actor.principal.companyId !== null) {
      const outcome = err.status === 403 || (err.status === 404 && err.code === 'company.not_found') ? 'denied' : 'failed';
      await appendAudit(sql, entry(actor, a, outcome, { code: err.code, ...(a.companyId !== actor.principal.companyId ? { otherCompany: true } : {}) }));
    }
    throw err;
  }

  return {
    /**
     * `before`: checks that use the pool (durable budgets, audit entries of their own), run once the caller is
     * checked and before the transaction opens. Never inside it: a transaction holds a pool connection, and once
     * every connection is held by one waiting for another the process hangs for good (CI caught seven concurrent
     * member creations doing that on a pool of five).
     */
    async write<T>(
      actor: Actor, a: CompanyAction, fn: (tx: Queryable) => Promise<{ result: T; details?: Details }>,
      { before }: { before?: () => Promise<void> } = {},
    ): Promise<T> {
      try {
        assertCompanyManager(actor.principal, a.companyId);
        await before?.();
        return await begin(async (tx) => {
          const { result, details } = await fn(tx);
          await appendAudit(tx, entry(actor, a, 'succeeded', details ?? {}));
          return result;
        });
      } catch (err) {
        return refused(actor, a, err);
      }
    },

    /** `subjectOf`: for a lookup, whose subject is known only once found, the subject to audit instead of `a`'s. */
    async read<T>(
      actor: Actor, a: CompanyAction & { audit?: boolean; subjectOf?: (result: T) => Pick<CompanyAction, 'subjectType' | 'subjectId'> }, fn: () => Promise<T>,
    ): Promise<T> {
      try {
        assertCompanyManager(actor.principal, a.companyId);
        const result = await fn();
        if (a.audit) await appendAudit(sql, entry(actor, a.subjectOf ? { ...a, ...a.subjectOf(result) } : a, 'succeeded', {}));
        return result;
      } catch (err) {
        return a.audit ? refused(actor, a, err) : Promise.reject(err);
      }
    },
  };
}
export type CompanyActions = ReturnType<typeof createCompanyActions>;
