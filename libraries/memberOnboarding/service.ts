import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import type { DerivedKeys } from '../../lib/keys';
import { createCompanyActions } from '../companyAccess';
import type { CodeFlows } from '../verification';
import { createInvitationAcceptance } from './accept';
import { createAddressCheck } from './addressConflicts';
import { createMemberImports } from './imports';
import { createInvitations } from './invitations';
import { createMembers, INVITATION_POLICY, type OnboardingSettings } from './members';

/** Onboarding company members (README "Onboarding"): creating them, one or in bulk, and their invitations. */
export function createMemberOnboarding(
  { sql, temporal, codeFlows, keys, settings }:
  {
    sql: Sql; temporal: Client; codeFlows: CodeFlows; keys: Pick<DerivedKeys, 'codeHmac'>;
    /** INVITATION_TTL_SECONDS and INVITATION_RESEND_INTERVAL_SECONDS; the rest is INVITATION_POLICY. */
    settings: { taskQueue: string; ttlMs: number; resendIntervalMs?: number };
  },
) {
  const full: OnboardingSettings = {
    taskQueue: settings.taskQueue,
    ttlMs: settings.ttlMs,
    maxResends: INVITATION_POLICY.maxResends,
    challenge: { ...INVITATION_POLICY.challenge, ...(settings.resendIntervalMs ? { resendIntervalMs: settings.resendIntervalMs } : {}) },
  };
  const companyActions = createCompanyActions({ sql });
  const addressCheck = createAddressCheck({ sql, budgets: codeFlows.budgets });
  const members = createMembers({ temporal, companyActions, codeFlows, addressCheck, settings: full });
  return {
    members,
    imports: createMemberImports({ members, companyActions }),
    invitations: createInvitations({ sql, temporal, companyActions, codeFlows, settings: full }),
    acceptance: createInvitationAcceptance({ sql, temporal, codeFlows, keys }),
  };
}
export type MemberOnboarding = ReturnType<typeof createMemberOnboarding>;
