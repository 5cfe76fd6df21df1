import type { Queryable } from '../client';

/**
 * Offboardings outlive the people they name (the company's record of who was offboarded, by whom, and what was
 * done), so erasing a person (db/queries/erasure.ts) turns their ids into tombstones there, as in the merge
 * records and the audit log. Every run that names them loses its free text too: HR's reason, which may name anyone
 * it concerns (the person, their successor, the requester). When they are the subject, so do the names of their
 * tokens in the automations list.
 *
 * A run for someone with no account in the company keeps them only as `address:<HMAC of their address>`, given here
 * as `addressHmacs`: such a key becomes `erased:<random uuid>`, which no request ever matches (a `profile:` or
 * `uuid:` key has its id tombstoned like every other column). The
 * `Idempotency-Key` records of every run and batch that named them go: their request HMAC is a keyed fingerprint
 * of a body that held their address, and their key HMAC one of the caller's id.
 */
export async function redactOffboardings(
  tx: Queryable, redaction: Record<string, string>, { addressHmacs = [] }: { addressHmacs?: readonly string[] } = {},
): Promise<number> {
  const ids = Object.keys(redaction);
  if (ids.length === 0) return 0;
  const map = tx.json(redaction);
  const subject = tx`(subject_account_ids && ${ids}::uuid[] or subject_profile_id = any(${ids}::uuid[]))`;
  const addressKeys = addressHmacs.map((h) => `address:${h}`);
  const personKeys = [...ids.flatMap((id) => [`profile:${id}`, `uuid:${id}`]), ...addressKeys];
  const named = tx`(${subject} or successor_account_id = any(${ids}::uuid[]) or started_by_account_id = any(${ids}::uuid[])
                    or person_key = any(${personKeys}::text[]))`;
  // Written before the rows change: which runs and batches named them.
  const runIds = (await tx<{ id: string }[]>`select id from offboardings where ${named} for update`).map((r) => r.id);
  await tx`
    delete from offboarding_request_keys
     where offboarding_id = any(${runIds}::uuid[])
        or batch_id in (select batch_id from offboarding_batch_items where offboarding_id = any(${runIds}::uuid[]))
        or batch_id in (select id from offboarding_batches where started_by_account_id = any(${ids}::uuid[]))`;
  const r = await tx`
    update offboardings set
      reason = null,
      automations = redact_ids((case when ${subject} and automations is not null
                                     then coalesce((select jsonb_agg(e - 'name') from jsonb_array_elements(automations) e), '[]'::jsonb)
                                     else automations end)::text, ${map})::jsonb,
      subject_profile_id = redact_ids(subject_profile_id::text, ${map})::uuid,
      subject_account_ids = redact_ids(subject_account_ids::text, ${map})::uuid[],
      successor_account_id = redact_ids(successor_account_id::text, ${map})::uuid,
      started_by_account_id = redact_ids(started_by_account_id::text, ${map})::uuid,
      person_key = case when person_key = any(${addressKeys}::text[]) then 'erased:' || gen_random_uuid()
                        else redact_ids(person_key, ${map}) end,
      steps = redact_ids(steps::text, ${map})::jsonb,
      report = redact_ids(report::text, ${map})::jsonb
     where id = any(${runIds}::uuid[])`;
  await tx`
    update offboarding_batches set started_by_account_id = redact_ids(started_by_account_id::text, ${map})::uuid
     where started_by_account_id = any(${ids}::uuid[])`;
  return r.count;
}
