/** Workflow ids are business keys built here and nowhere else; they never contain emails or names. */
export const workflowIds = {
  profileMerge: (profileId: string, mergeId: string) => `profile-merge/${profileId}/${mergeId}`,
};
