import type { Sql } from '../../db/client';
import { appendAudit } from '../../db/queries/audit';
import { findAccountCompanyByEmail } from '../../db/queries/memberInvitations';
import { AppError, retryLater } from '../../lib/errors';
import { BUDGETS, type Budgets } from '../budgets';
import type { Actor } from '../companyAccess';

export const memberExists = () =>
  new AppError(409, 'member.exists', 'An account with this email already exists');

export const tooManyConflicts = (retryAfterMs: number) =>
  retryLater(
    429, 'member.too_many_conflicts',
    `More than ${BUDGETS.memberConflictsPerCompany.limit} new members met an existing account outside this company today; ` +
    'members with an address outside the company can be created again later',
    retryAfterMs,
  );

/**
 * Whether an address is free for a new member (README "Onboarding"), and what the answer may tell. Emails are
 * unique across companies, so `member.exists` for an account elsewhere (or none) says whether an address has
 * an account anywhere: an admin could test addresses by the thousand. So that answer is budgeted per company
 * (a durable budget, `memberConflictsPerCompany`) and each one audited `member.create_conflict`, with ids only.
 * Once it is spent, every address outside the company is refused alike (429), one with no account too: a
 * creation that succeeded would tell as much as a conflict. The company's own accounts are its own business,
 * always answered and never counted.
 */
export function createAddressCheck({ sql, budgets }: { sql: Sql; budgets: Budgets }) {
  // On the pool, before the creation's transaction (CompanyActions.write's `before`): the budget needs connections
  // of its own. An account created between this check and the insert is caught by the email's unique constraint.
  return async function assertAddressFree(actor: Actor, companyId: string, email: string): Promise<void> {
    const existing = await findAccountCompanyByEmail(sql, email);
    if (existing && existing.companyId === companyId) throw memberExists();
    const left = await budgets.left('memberConflictsPerCompany', companyId);
    if (!left.allowed) throw tooManyConflicts(left.retryAfterMs);
    if (!existing) return;
    // Concurrent rows of an import may all see a point left; the spend is atomic, and the late ones are refused.
    const spent = await budgets.spend('memberConflictsPerCompany', companyId);
    const refusal = spent.allowed ? memberExists() : tooManyConflicts(spent.retryAfterMs);
    // Its own entry, apart from the refused creation's: what the answer told is recorded whatever comes next.
    await appendAudit(sql, {
      actorAccountId: actor.principal.accountId, actorCredential: actor.principal.credential.kind, companyId, ip: actor.ip,
      requestId: actor.requestId, action: 'member.create_conflict', subjectType: 'account', subjectId: existing.id, outcome: 'failed',
      details: { code: refusal.code },
    });
    throw refusal;
  };
}
export type AddressCheck = ReturnType<typeof createAddressCheck>;
