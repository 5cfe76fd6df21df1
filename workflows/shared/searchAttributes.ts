import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes: ids and step names only, never personal data. scripts/temporal.ts
 * registers exactly these, with the dev server and with `npm run temporal:setup`.
 */
export const PROFILE_ID = defineSearchAttributeKey('ProfileId', SearchAttributeType.KEYWORD);
export const FLOW_STEP = defineSearchAttributeKey('FlowStep', SearchAttributeType.KEYWORD);

/** The company a flow works for (offboardings and their batches): `CompanyId = "<id>"` lists a company's runs. */
export const COMPANY_ID = defineSearchAttributeKey('CompanyId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [PROFILE_ID, FLOW_STEP, COMPANY_ID] as const;
