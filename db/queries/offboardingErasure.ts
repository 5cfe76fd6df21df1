import type { Queryable } from '../client';

/**
 * Offboardings outlive the people they name (the company's record of who was offboarded, by whom, and what was
 * done), so erasing a person (db/queries/erasure.ts) turns their ids into tombstones there, as in the merge
 * records and the audit log. When the erased person is the subject of a run, its free text goes too: HR's
 * reason, which may name them, and the names of their tokens in the automations list.
 */
export async function redactOffboardings(tx: Queryable, redaction: Record<string, string>): Promise<number> {
  const ids = Object.keys(redaction);
  if (ids.length === 0) return 0;
  const map = tx.json(redaction);
  const subject = tx`(subject_account_ids && ${ids}::uuid[] or subject_profile_id = any(${ids}::uuid[]))`;
  const r = await tx`
    update offboardings set
      reason = case when ${subject} then null else reason end,
      automations = redact_ids((case when ${subject} and automations is not null
                                     then coalesce((select jsonb_agg(e - 'name') from jsonb_array_elements(automations) e), '[]'::jsonb)
                                     else automations end)::text, ${map})::jsonb,
      subject_profile_id = redact_ids(subject_profile_id::text, ${map})::uuid,
      subject_account_ids = redact_ids(subject_account_ids::text, ${map})::uuid[],
      successor_account_id = redact_ids(successor_account_id::text, ${map})::uuid,
      started_by_account_id = redact_ids(started_by_account_id::text, ${map})::uuid,
      person_key = redact_ids(person_key, ${map}),
      steps = redact_ids(steps::text, ${map})::jsonb,
      report = redact_ids(report::text, ${map})::jsonb
     where ${subject} or successor_account_id = any(${ids}::uuid[]) or started_by_account_id = any(${ids}::uuid[])`;
  await tx`
    update offboarding_batches set started_by_account_id = redact_ids(started_by_account_id::text, ${map})::uuid
     where started_by_account_id = any(${ids}::uuid[])`;
  return r.count;
}
