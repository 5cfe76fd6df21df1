import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { findDeletion, insertDeletion, type DeletionRecord } from '../../db/queries/accountDeletions';
import { AppError, notFound } from '../../lib/errors';
import { DEFAULT_MAIL_DEADLINE_MS } from '../../workflows/shared/accountDeletionContract';
import type { Principal } from '../principal';
import { startDeletionWorkflow } from './workflow';

/** The seed's words (User Settings §3.2), for any attempt at another account. */
export const ONLY_YOUR_OWN_ACCOUNT =
  'You can only remove the account with which you are logged in. If you do not have access to your account anymore, please reach out to Support.';

export interface AccountDeletionSettings {
  taskQueue: string;
  mailDeadlineMs?: number;
}

const view = (d: DeletionRecord) => ({
  id: d.id,
  status: d.step === 'completed' ? ('completed' as const) : ('pending' as const),
  step: d.step,
  profileErased: d.profileErased,
  confirmation: d.confirmation,
  requestedAt: d.requestedAt.toISOString(),
  completedAt: d.completedAt ? d.completedAt.toISOString() : null,
});
export type DeletionView = ReturnType<typeof view>;

/**
 * Deleting an account as the API offers it (User Settings §3.2): only the signed-in account, by a workflow
 * keyed by that account; its progress is a row named by the deletion's id, which names nothing else.
 */
export function createAccountDeletionService(
  { sql, temporal, call, settings }:
  { sql: Sql; temporal: Client; call: <T>(run: () => Promise<T>) => Promise<T>; settings: AccountDeletionSettings },
) {
  async function deleteSignedIn(auth: Principal): Promise<DeletionView> {
    const input = { accountId: auth.accountId, mailDeadlineMs: settings.mailDeadlineMs ?? DEFAULT_MAIL_DEADLINE_MS };
    const { deletionId } = await call(() => startDeletionWorkflow(temporal, settings.taskQueue, input, auth.profileId));
    // After the start: the id is the run's. The workflow writes the row too, whichever comes first. Nothing
    // naming the account is written here: the run may have erased it already.
    await insertDeletion(sql, deletionId);
    return view((await findDeletion(sql, deletionId))!);
  }

  return {
    deleteSignedIn,

    /** Another account, even one of the same profile, is refused with the seed's explanation. */
    async deleteById(auth: Principal, accountId: string): Promise<DeletionView> {
      if (accountId !== auth.accountId) throw new AppError(403, 'account.deletion_forbidden', ONLY_YOUR_OWN_ACCOUNT);
      return deleteSignedIn(auth);
    },

    /** Public: the id is a capability (the run's random id), and the row says nothing about whose account it was. */
    async status(id: string): Promise<DeletionView> {
      const d = await findDeletion(sql, id);
      if (!d) throw notFound('account_deletion.not_found', 'No such account deletion');
      return view(d);
    },
  };
}
export type AccountDeletionService = ReturnType<typeof createAccountDeletionService>;
