import type { Queryable, Sql } from '../db/client';
import {
  appsOfOnly, backupAccessQuery, deleteAppRows, ensureAppMembers, findCompanyApp, findContact, lockCompanyAccount, lockCompanyApps,
  moveTechnicalContacts, setTechnicalContact, type BackupAccessRow, type ContactRow,
} from '../db/queries/companyApps';
import { AppError } from '../lib/errors';
import { createCompanyActions, type Actor } from './companyAccess';
import { csvStream, type CsvColumn } from './csv';

/**
 * A company's apps for its admins and service accounts (README "Company user management"): who the technical
 * contact of an app is, changing it, and who can access the backups of which app. Also the two operations
 * offboarding runs from its activities, `reassignTechnicalContact` and `deleteApps`: idempotent, in the
 * caller's transaction, audited by the caller (which knows the run it belongs to).
 */

/** An app of another company is exactly as missing as one that does not exist. */
export const appNotFound = () => new AppError(404, 'app.not_found', 'No such app');

export type TechnicalContact = ContactRow;

/**
 * Who may be an app's technical contact: an active, human account of the app's company. The one rule for
 * the API's change and offboarding's reassignment. Locks the account, so it cannot be deactivated before
 * the transaction commits.
 */
export async function assertEligibleContact(tx: Queryable, companyId: string, accountId: string): Promise<void> {
  const account = await lockCompanyAccount(tx, companyId, accountId);
  if (!account) throw new AppError(422, 'app.technical_contact_not_member', 'The technical contact must be a member of the app\'s company');
  if (account.isServiceAccount) throw new AppError(422, 'app.technical_contact_service_account', 'A service account cannot be a technical contact');
  if (account.status !== 'active') throw new AppError(422, 'app.technical_contact_deactivated', 'The technical contact must be an active member');
}

/**
 * Makes `toAccountId` the technical contact of every app of the company whose contact is one of
 * `fromAccountIds`, and a member of those apps (as the API's change does). Answers the ids of the apps
 * changed: run again, it changes nothing and answers []. Refuses a successor who is not an active human
 * member of the company (422 `app.technical_contact_*`), and then changes nothing.
 */
export async function reassignTechnicalContact(
  tx: Queryable,
  { companyId, fromAccountIds, toAccountId }: { companyId: string; fromAccountIds: readonly string[]; toAccountId: string },
): Promise<string[]> {
  const from = fromAccountIds.filter((id) => id !== toAccountId);
  if (from.length === 0) return [];
  await assertEligibleContact(tx, companyId, toAccountId);
  const moved = (await moveTechnicalContacts(tx, { companyId, fromAccountIds: from, toAccountId })).map((r) => r.appId).sort();
  await ensureAppMembers(tx, moved, toAccountId);
  return moved;
}

export interface AppDeletion {
  deleted: string[];
  /** `not_found`: no such app in the company (or already deleted); `licensed`: a paid app is never deleted by automation. */
  skipped: { appId: string; reason: 'not_found' | 'licensed' }[];
}

/**
 * Deletes these apps of the company, with their memberships and watches. A licensed app is skipped: it is
 * a paid, possibly productive app, and deleting it is a decision for a person in the product, not for an
 * offboarding run. Idempotent in effect: run again, the apps already deleted are skipped as `not_found`.
 */
export async function deleteApps(tx: Queryable, { companyId, appIds }: { companyId: string; appIds: readonly string[] }): Promise<AppDeletion> {
  const wanted = [...new Set(appIds)].sort();
  const found = new Map((await lockCompanyApps(tx, companyId, wanted)).map((a) => [a.appId, a]));
  const skipped: AppDeletion['skipped'] = [];
  for (const id of wanted) {
    const app = found.get(id);
    if (!app) skipped.push({ appId: id, reason: 'not_found' });
    else if (app.licenseType === 'licensed') skipped.push({ appId: id, reason: 'licensed' });
  }
  const deletable = wanted.filter((id) => found.get(id)?.licenseType === 'free');
  return { deleted: (await deleteAppRows(tx, deletable)).sort(), skipped };
}

/** The apps of the company that only these accounts belong to (no other member or contact): offboarding's `"no-other-members"`. */
export const appsOnlyOf = (sql: Queryable, { companyId, accountIds }: { companyId: string; accountIds: readonly string[] }) =>
  appsOfOnly(sql, companyId, accountIds);

/** A person who can access an app's backups: as its technical contact, by the backup permission of a member, or both. */
export interface BackupAccessor extends TechnicalContact {
  technicalContact: boolean;
  backupPermission: boolean;
}

export interface BackupAccessReport {
  companyId: string;
  generatedAt: string;
  apps: {
    appId: string;
    appName: string;
    licenseType: 'free' | 'licensed';
    backupAccess: BackupAccessor[];
  }[];
}

const BACKUP_COLUMNS = (generatedAt: Date): CsvColumn<BackupAccessRow>[] => [
  { header: 'AppId', value: (r) => r.appId },
  { header: 'AppName', value: (r) => r.appName },
  { header: 'LicenseType', value: (r) => r.licenseType },
  { header: 'AccountId', value: (r) => r.accountId },
  { header: 'Email', value: (r) => r.email },
  { header: 'Name', value: (r) => r.name },
  { header: 'AccountStatus', value: (r) => r.status },
  { header: 'TechnicalContact', value: (r) => (r.accountId ? r.technicalContact : null) },
  { header: 'BackupPermission', value: (r) => (r.accountId ? r.backupPermission : null) },
  // On every line, so a file renamed or pasted elsewhere still says when it was true.
  { header: 'GeneratedAt', value: () => generatedAt },
];

function groupByApp(companyId: string, generatedAt: Date, rows: readonly BackupAccessRow[]): BackupAccessReport {
  const apps: BackupAccessReport['apps'] = [];
  for (const r of rows) {
    if (apps.at(-1)?.appId !== r.appId) apps.push({ appId: r.appId, appName: r.appName, licenseType: r.licenseType, backupAccess: [] });
    if (r.accountId === null) continue;
    apps.at(-1)!.backupAccess.push({
      accountId: r.accountId, email: r.email!, name: r.name!, status: r.status!, technicalContact: r.technicalContact, backupPermission: r.backupPermission,
    });
  }
  return { companyId, generatedAt: generatedAt.toISOString(), apps };
}

export function createCompanyApps({ sql }: { sql: Sql }) {
  const actions = createCompanyActions({ sql });
  /** The caller's company, where the app must be: a caller without one finds no app at all. */
  const companyOf = (actor: Actor): string => {
    if (actor.principal.companyId === null) throw appNotFound();
    return actor.principal.companyId;
  };

  return {
    async technicalContact(actor: Actor, appId: string): Promise<{ appId: string; technicalContact: TechnicalContact | null }> {
      const companyId = companyOf(actor);
      return actions.read(actor, { companyId, action: 'app.technical_contact_read', subjectType: 'app', subjectId: appId }, async () => {
        const app = await findCompanyApp(sql, companyId, appId);
        if (!app) throw appNotFound();
        const contact = app.technicalContactAccountId ? await findContact(sql, app.technicalContactAccountId) : undefined;
        return { appId, technicalContact: contact ?? null };
      });
    },

    /**
     * Sets the technical contact, who also becomes a member of the app if not one yet (with the default
     * role; an existing membership is kept as it is). Setting the current contact again changes nothing
     * and is still audited.
     */
    async setTechnicalContact(actor: Actor, appId: string, accountId: string): Promise<{ appId: string; technicalContact: TechnicalContact }> {
      const companyId = companyOf(actor);
      const a = { companyId, action: 'app.technical_contact_changed', subjectType: 'app', subjectId: appId };
      return actions.write(actor, a, async (tx) => {
        const app = await findCompanyApp(tx, companyId, appId, true);
        if (!app) throw appNotFound();
        await assertEligibleContact(tx, companyId, accountId);
        if (app.technicalContactAccountId !== accountId) await setTechnicalContact(tx, appId, accountId);
        await ensureAppMembers(tx, [appId], accountId);
        const contact = (await findContact(tx, accountId))!;
        return {
          result: { appId, technicalContact: contact },
          details: { previousAccountId: app.technicalContactAccountId, newAccountId: accountId, changed: app.technicalContactAccountId !== accountId },
        };
      });
    },

    /** The report as JSON: one snapshot, every app, grouped. Audited (`report.backup_access_exported`). */
    async backupAccess(actor: Actor, companyId: string): Promise<BackupAccessReport> {
      return actions.read(actor, { ...reportAction(companyId), audit: true }, async () => {
        const generatedAt = new Date();
        return groupByApp(companyId, generatedAt, await backupAccessQuery(sql, companyId));
      });
    },

    /** The same report as CSV, streamed from a cursor (memory bounded by one batch), one line per app and person. */
    async backupAccessCsv(actor: Actor, companyId: string): Promise<{ generatedAt: Date; csv: AsyncIterable<string> }> {
      return actions.read(actor, { ...reportAction(companyId), audit: true }, async () => {
        const generatedAt = new Date();
        return { generatedAt, csv: csvStream(BACKUP_COLUMNS(generatedAt), backupAccessQuery(sql, companyId).cursor(500)) };
      });
    },
  };
}
export type CompanyApps = ReturnType<typeof createCompanyApps>;

const reportAction = (companyId: string) => ({ companyId, action: 'report.backup_access_exported', subjectType: 'company', subjectId: companyId });
