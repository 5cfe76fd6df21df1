import type { Sql } from '../db/client';
import type { Config } from '../lib/config';
import type { DerivedKeys } from '../lib/keys';
import type { Mailer } from '../lib/mailer';
import { createAccountCreationActivities } from './accountCreation';
import { createPasswordExpiryActivities } from './passwordExpiry';
import { createMemberInvitationActivities } from './memberInvitation';
import { createPasswordResetActivities } from './passwordReset';
import { createAccountDeletionActivities } from './accountDeletion';
import { createProbeActivities } from './probe';
import { createRecoveryEmailActivities } from './recoveryEmail';
import { createProfileMergeActivities } from './profileMerge';
import { createTokenExpiryActivities } from './tokenExpiry';
import { createVerificationActivities } from './verification';
import { createWebhookActivities } from './webhooks';
import { createOffboardingActivities } from './offboarding';

export interface ActivityDeps {
  sql: Sql;
  mailer: Mailer;
  /** Subkeys of HMAC_SECRET (config.keys); the raw secret never reaches a worker's activities. */
  keys: DerivedKeys;
  /** HMAC_SECRET_PREVIOUS's subkeys (config.previousKeys): open webhook secrets sealed before a rotation. */
  previousKeys?: DerivedKeys;
  /** Company webhook delivery (config.webhooks); without it: a 10 s timeout and no loopback receivers. */
  webhooks?: Config['webhooks'];
}

/** All activities of the task queue, built once per worker around its clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createVerificationActivities(deps),
    ...createProfileMergeActivities(deps),
    ...createAccountCreationActivities(deps),
    ...createProbeActivities(),
    ...createAccountDeletionActivities(deps),
    ...createPasswordExpiryActivities(deps),
    ...createTokenExpiryActivities(deps),
    ...createPasswordResetActivities(deps),
    ...createRecoveryEmailActivities(deps),
    ...createMemberInvitationActivities(deps),
    ...createWebhookActivities(deps),
    ...createOffboardingActivities(deps),
  };
}
