import type { Queryable } from '../../db/client';
import { appNames, successorMailFacts } from '../../db/queries/offboardingSubjects';
import type { Automation, OffboardingRow } from '../../db/queries/offboardings';
import { stepRecord } from './report';

/**
 * What the successor is told (the steps 6 and 7), read from the run's row when the email is sent, so no
 * address or name ever passes through the workflow: the apps they now look after, how many training apps were
 * deleted, and the automations that stopped working with the person's tokens, so that nothing breaks silently.
 */
export interface SuccessorNotice {
  /** The outbox key: one email per run; it leads with the successor's id, so erasing them removes it. */
  key: string;
  to: string;
  personName: string | null;
  apps: { id: string; name: string }[];
  trainingAppsDeleted: number;
  automations: Automation[];
}

export const successorNoticeKey = (successorAccountId: string, offboardingId: string) =>
  `offboarding-successor/${successorAccountId}/${offboardingId}`;

/** The notice, or why there is none: no account was offboarded, or the successor can no longer be written to. */
export async function successorNotice(sql: Queryable, row: OffboardingRow): Promise<SuccessorNotice | { skipped: string }> {
  if (!row.successorAccountId) return { skipped: 'no_successor' };
  const accounts = (stepRecord(row, 'find_accounts')?.accountIds as string[] | undefined) ?? [];
  if (accounts.length === 0) return { skipped: 'no_account' };
  const facts = await successorMailFacts(sql, row.successorAccountId, row.subjectProfileId);
  if (!facts.successorEmail) return { skipped: 'successor_unavailable' };
  const deleted = (stepRecord(row, 'delete_training_apps')?.deleted as string[] | undefined) ?? [];
  const reassigned = ((stepRecord(row, 'reassign_apps')?.appIds as string[] | undefined) ?? []).filter((a) => !deleted.includes(a));
  return {
    key: successorNoticeKey(row.successorAccountId, row.id),
    to: facts.successorEmail,
    personName: facts.personName,
    apps: await appNames(sql, reassigned),
    trainingAppsDeleted: deleted.length,
    automations: row.automations ?? [],
  };
}
