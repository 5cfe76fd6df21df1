/**
 * Workflow ids are business keys built here and nowhere else. A code flow's id is keyed by the subject it
 * proves (the source profile, the account, the address's HMAC), never by an email or a name.
 */
export const workflowIds = {
  /** Proves the source profile, so its id leads with it; the merge id makes each attempt its own run. */
  profileMerge: ({ sourceProfileId, mergeId }: { sourceProfileId: string; mergeId: string }) =>
    `profile-merge/${sourceProfileId}/${mergeId}`,
};

/** Fixed Update ids: a retried confirm or cancel joins the one in flight, or gets its stored outcome. */
export const updateIds = {
  confirm: 'confirm',
  cancel: 'cancel',
} as const;
