/**
 * Workflow ids are business keys built here and nowhere else. A code flow's id is keyed by the subject it
 * proves (the source profile, the account, the address's HMAC), never by an email or a name.
 */
export const workflowIds = {
  /** Proves the source profile, so its id leads with it; the merge id makes each attempt its own run. */
  profileMerge: ({ sourceProfileId, mergeId }: { sourceProfileId: string; mergeId: string }) =>
    `profile-merge/${sourceProfileId}/${mergeId}`,
  /** One sign-up per address at a time (USE_EXISTING): keyed by the address's HMAC, never the address. */
  signUp: (addressHmac: string) => `sign-up/${addressHmac}`,
  /** One account creation inside a profile per address at a time, keyed like a sign-up. */
  accountCreation: (addressHmac: string) => `account-creation/${addressHmac}`,
  /**
   * The daily password expiry sweep's Schedule, and the id its runs start from: the Schedule appends the
   * scheduled time (`password-expiry-sweep-2026-05-01T03:00:00Z`), so each day is its own run.
   */
  passwordExpirySweep: () => 'password-expiry-sweep',
  /** The daily personal access token expiry sweep's Schedule, and the id its runs start from (as above). */
  tokenExpirySweep: () => 'token-expiry-sweep',
  /** One deletion per account at a time (USE_EXISTING): a repeated request joins the running one. */
  accountDeletion: ({ accountId }: { accountId: string }) => `account-deletion/${accountId}`,
  /** One password reset per account at a time (USE_EXISTING): a second request joins the open run. */
  passwordReset: ({ accountId }: { accountId: string }) => `password-reset/${accountId}`,
  /** One recovery email change of a profile; a new request cancels the open one, so each has its own run. */
  recoveryEmail: ({ profileId, changeId }: { profileId: string; changeId: string }) => `recovery-email/${profileId}/${changeId}`,
  /** The decoy reset of an address no account has, keyed by the address's HMAC, never the address. */
  passwordResetUnknownAddress: (addressHmac: string) => `password-reset/unknown/${addressHmac}`,
  /** One run per invitation, for its whole life (resends included): keyed by the invitation's random id. */
  memberInvitation: ({ invitationId }: { invitationId: string }) => `member-invitation/${invitationId}`,
  /** One run per offboarding row; the row's id names nobody (the person's key is the row's, not the run's). */
  offboarding: (offboardingId: string) => `offboarding/${offboardingId}`,
  /** The parent of a batch of offboardings. */
  offboardingBatch: (batchId: string) => `offboarding-batch/${batchId}`,
};

/** Fixed Update ids: a retried confirm or cancel joins the one in flight, or gets its stored outcome. */
export const updateIds = {
  confirm: 'confirm',
  cancel: 'cancel',
  /** The account creation's `create` Update: the first call decides, a retry joins it. */
  create: 'create',
} as const;

/** A password reset's `complete` Update, one id per code: a retried completion joins it, another code does not. */
export const completeResetUpdateId = (codeHmac: string) => `complete/${codeHmac}`;

/** An invitation's `accept` Update, one id per code: a retried acceptance joins it, another code does not. */
export const acceptInvitationUpdateId = (codeHmac: string) => `accept/${codeHmac}`;
