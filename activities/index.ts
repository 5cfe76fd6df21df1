import type { Sql } from '../db/client';
import type { Mailer } from '../lib/mailer';
import { createProfileMergeActivities } from './profileMerge';
import { createVerificationActivities } from './verification';

export interface ActivityDeps {
  sql: Sql;
  mailer: Mailer;
  hmacSecret: string;
}

/** All activities of the task queue, built once per worker around its clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createVerificationActivities(deps),
    ...createProfileMergeActivities(deps),
  };
}
