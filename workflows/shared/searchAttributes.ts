import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes: ids and step names only, never personal data. scripts/temporal.ts
 * registers exactly these, with the dev server and with `npm run temporal:setup`.
 */
export const PROFILE_ID = defineSearchAttributeKey('ProfileId', SearchAttributeType.KEYWORD);
export const FLOW_STEP = defineSearchAttributeKey('FlowStep', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [PROFILE_ID, FLOW_STEP] as const;
