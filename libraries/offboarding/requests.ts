import type { Queryable } from '../../db/client';
import type { NewOffboarding, OffboardingRow } from '../../db/queries/offboardings';
import { activeAdmins, adminsAmong, isServiceAccount } from '../../db/queries/memberStatus';
import { companyAppsWithPeople, currentAccountsOf, resolveAccounts, resolvePeople, type CompanyAccount, type ResolvedPerson } from '../../db/queries/offboardingSubjects';
import { hmacHex } from '../../lib/crypto';
import { AppError } from '../../lib/errors';
import { NO_OTHER_MEMBERS } from '../../workflows/shared/offboardingContract';
import { adminTargetRequiresAdmin, lastAdmin, leavesNoAdmin } from '../memberDeactivation';

/**
 * One person's offboarding as a request names it (README "Offboarding"), for a single run and for each row of a
 * batch, and how it becomes a run's row: the email or uuid resolved to the person's accounts and the key "company
 * plus person", the successor to an account, the training apps checked against the company's apps.
 */
export interface OffboardingRequest {
  email?: string;
  uuid?: string;
  /** The successor's email or account id. */
  successor: string;
  /** App ids and/or `"no-other-members"`. */
  trainingApps: string[];
  reason?: string;
  /** ISO 8601; default: now. */
  effectiveAt?: string;
}

/** Why a request cannot become a run: a single request answers it as an error; a batch row's run fails with it. */
export interface Refusal {
  status: 403 | 409 | 422;
  code: string;
  message: string;
  details?: { path: string; message: string }[];
}

export const refusalError = (r: Refusal) => new AppError(r.status, r.code, r.message, r.details ? { details: r.details } : {});

const SUCCESSOR_REFUSALS = {
  missing: { status: 422, code: 'offboarding.successor_not_member', message: 'The successor is not a member of this company' },
  deactivated: { status: 422, code: 'offboarding.successor_deactivated', message: 'The successor must be an active member' },
  service: { status: 422, code: 'offboarding.successor_service_account', message: 'A service account cannot be a successor' },
  person: { status: 422, code: 'offboarding.successor_is_person', message: 'The successor is one of the person\'s own accounts' },
} as const satisfies Record<string, Refusal>;

/**
 * The key of "company plus person": the profile when the person has accounts here, otherwise what the request
 * named, an address only as its HMAC (the address-key subkey, as budgets name addresses).
 */
export function personKey(request: Pick<OffboardingRequest, 'email' | 'uuid'>, person: ResolvedPerson, addressKey: Buffer): string {
  if (person.profileId && person.accountIds.length > 0) return `profile:${person.profileId}`;
  if (request.uuid) return `uuid:${request.uuid.toLowerCase()}`;
  return `address:${hmacHex(addressKey, (request.email ?? '').toLowerCase())}`;
}

/** The successor's refusal, if any, for a person with these accounts. */
export function successorRefusal(successor: CompanyAccount | null, personAccountIds: readonly string[]): Refusal | undefined {
  if (!successor) return SUCCESSOR_REFUSALS.missing;
  if (successor.isServiceAccount) return SUCCESSOR_REFUSALS.service;
  if (personAccountIds.includes(successor.accountId)) return SUCCESSOR_REFUSALS.person;
  if (successor.status !== 'active') return SUCCESSOR_REFUSALS.deactivated;
  return undefined;
}

const fromError = (e: AppError): Refusal => ({ status: e.status as Refusal['status'], code: e.code, message: e.message });

/**
 * Who may be offboarded, as for a deactivation (libraries/memberDeactivation.ts): a company admin only by a person,
 * never by a service account, and never the company's last active admin.
 */
export function adminRefusal(
  p: { accountIds: readonly string[]; adminIds: ReadonlySet<string>; activeAdminIds: readonly string[]; byServiceAccount: boolean },
): Refusal | undefined {
  if (p.byServiceAccount && p.accountIds.some((id) => p.adminIds.has(id))) return fromError(adminTargetRequiresAdmin());
  if (leavesNoAdmin(p.activeAdminIds, p.accountIds)) return fromError(lastAdmin());
  return undefined;
}

/**
 * Whether the run may go on with the person as they are now, before anything is done to them: a company admin is
 * offboarded only on a person's request (not a service account's), and never when they are the company's last
 * active admin. The request was checked the same way, but people change between the request and its effectiveAt.
 */
export async function adminRefusalNow(
  tx: Queryable, row: Pick<OffboardingRow, 'companyId' | 'subjectProfileId' | 'subjectAccountIds' | 'startedByAccountId'>,
): Promise<string | undefined> {
  const accountIds = (await currentAccountsOf(tx, row.companyId, { profileId: row.subjectProfileId, accountIds: row.subjectAccountIds }))
    .map((a) => a.accountId);
  const adminIds = new Set(await adminsAmong(tx, row.companyId, accountIds));
  if (adminIds.size === 0) return undefined;
  return adminRefusal({
    accountIds, adminIds, activeAdminIds: await activeAdmins(tx, row.companyId), byServiceAccount: await isServiceAccount(tx, row.startedByAccountId),
  })?.code;
}

/** The named training apps that are no app of the company, and those the person does not belong to. */
function appRefusal(appIds: readonly string[], apps: ReadonlyMap<string, string[]>, accountIds: readonly string[]): Refusal | undefined {
  const unknown = appIds.filter((a) => !apps.has(a));
  if (unknown.length > 0) {
    return {
      status: 422, code: 'offboarding.unknown_app', message: `${unknown.length} training app${unknown.length === 1 ? ' is' : 's are'} not apps of this company`,
      details: unknown.map((a) => ({ path: 'body.trainingApps', message: `${a} is not an app of this company` })),
    };
  }
  const notTheirs = appIds.filter((a) => !apps.get(a)!.some((id) => accountIds.includes(id)));
  if (notTheirs.length === 0) return undefined;
  return {
    status: 422, code: 'offboarding.not_person_app',
    message: `${notTheirs.length} training app${notTheirs.length === 1 ? ' is' : 's are'} not the person's: an offboarding deletes only apps the person is a member or the technical contact of`,
    details: notTheirs.map((a) => ({ path: 'body.trainingApps', message: `the person is neither a member nor the technical contact of ${a}` })),
  };
}

/** Everything a run's row needs, decided; `refusal` set when the request cannot run as asked. */
export interface ResolvedRequest {
  person: ResolvedPerson;
  row: Omit<NewOffboarding, 'id' | 'companyId' | 'batchId' | 'startedByAccountId'>;
  refusal?: Refusal;
}

/**
 * Resolves requests at once (a batch's 10,000 in a few statements): people, successors, admins, apps. `actor`: the
 * caller, who may not offboard themselves, nor, as a service account, a company admin.
 */
export async function resolveRequests(
  sql: Queryable,
  { companyId, actor, addressKey, now }: { companyId: string; actor: { accountId: string; isServiceAccount: boolean }; addressKey: Buffer; now: Date },
  requests: readonly OffboardingRequest[],
): Promise<ResolvedRequest[]> {
  const people = await resolvePeople(sql, companyId, requests);
  const successors = await resolveAccounts(sql, companyId, requests.map((r) => r.successor));
  const everyone = [...new Set(people.flatMap((p) => p.accountIds))];
  const adminIds = new Set(await adminsAmong(sql, companyId, everyone));
  const activeAdminIds = adminIds.size > 0 ? await activeAdmins(sql, companyId) : [];
  const named = [...new Set(requests.flatMap((r) => r.trainingApps.filter((a) => a !== NO_OTHER_MEMBERS).map((a) => a.toLowerCase())))];
  const apps = await companyAppsWithPeople(sql, companyId, named, everyone);

  return requests.map((request, i) => {
    const person = people[i]!;
    const appIds = [...new Set(request.trainingApps.filter((a) => a !== NO_OTHER_MEMBERS).map((a) => a.toLowerCase()))];
    const successor = successors[i] ?? null;
    const reason = request.reason?.trim();
    const row = {
      personKey: personKey(request, person, addressKey),
      subjectProfileId: person.accountIds.length > 0 ? person.profileId : null,
      subjectAccountIds: person.accountIds,
      successorAccountId: successor?.accountId ?? null,
      trainingAppIds: appIds,
      trainingNoOtherMembers: request.trainingApps.includes(NO_OTHER_MEMBERS),
      reason: reason ? reason : null,
      effectiveAt: request.effectiveAt ? new Date(request.effectiveAt) : now,
      rejection: null,
    };
    const refusal: Refusal | undefined = person.accountIds.includes(actor.accountId)
      ? { status: 409, code: 'offboarding.cannot_offboard_self', message: 'You cannot offboard yourself; another admin or a service account can' }
      : adminRefusal({ accountIds: person.accountIds, adminIds, activeAdminIds, byServiceAccount: actor.isServiceAccount })
        ?? successorRefusal(successor, person.accountIds)
        ?? appRefusal(appIds, apps, person.accountIds);
    return { person, row, ...(refusal ? { refusal } : {}) };
  });
}

/** A request's fingerprint for `Idempotency-Key` (keyed, as the body may hold an email): the same key must come with the same request. */
export function requestHmac(addressKey: Buffer, kind: string, request: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical)
      : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : typeof v === 'string' && v.includes('@') ? v.toLowerCase() : v;
  return hmacHex(addressKey, `${kind}\n${JSON.stringify(canonical(request))}`);
}
