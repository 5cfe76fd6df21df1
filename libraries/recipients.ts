import type { Queryable } from '../db/client';
import { findAccountEmail } from '../db/queries/accounts';
import { findPendingInvitationEmail } from '../db/queries/memberInvitations';
import { findPendingAddress } from '../db/queries/pendingAddresses';
import { listEmailOptions } from '../db/queries/profiles';
import type { CodeRecipient } from '../workflows/shared/verification';

type Resolvers = { [K in CodeRecipient['kind']]: (sql: Queryable, r: Extract<CodeRecipient, { kind: K }>) => Promise<string | undefined> };

/** How each kind of recipient, named by ids in history, becomes an address: one entry per kind. */
const RESOLVERS: Resolvers = {
  'profile-email-option': async (sql, r) => (await listEmailOptions(sql, r.profileId)).find((o) => o.id === r.emailOptionId)?.address,
  'pending-address': (sql, r) => findPendingAddress(sql, r.pendingAddressId),
  'account-login': (sql, r) => findAccountEmail(sql, r.accountId),
  'invited-member': (sql, r) => findPendingInvitationEmail(sql, r.invitationId),
};

/** The address a code goes to, or undefined when the recipient does not exist (any more). */
export function resolveRecipient(sql: Queryable, r: CodeRecipient): Promise<string | undefined> {
  return (RESOLVERS[r.kind] as (sql: Queryable, r: CodeRecipient) => Promise<string | undefined>)(sql, r);
}
