import type { Queryable } from '../db/client';
import { PLATFORM_CHAIN, listEmptiedChains, streamChainChecks, type ChainEntryCheck } from '../db/queries/auditChain';

/**
 * Verifying the audit log's hash chains (README "Company user management" › "Audit log"; the design is in
 * migration 00015): `npm run audit:verify` and the tests call this, and only this. Each chain is walked by
 * position through a cursor, so memory stays bounded whatever the log's size; the first break of each chain
 * is reported, and the walk goes on to the other chains.
 */

export type ChainBreakReason =
  /** Positions are missing: entries were removed (or an entry was inserted with a made-up position). */
  | 'missing_entries'
  /** A position appears twice (only possible with the unique index dropped). */
  | 'duplicate_position'
  /** The entry's content no longer matches its content hash: changed, or a redaction that is not one. */
  | 'content_changed'
  /** The entry's hash does not follow from the entry before it: moved, inserted, or a hash rewritten. */
  | 'link_broken'
  /** The chain ends elsewhere than its head says: entries removed from the end, or appended around the trigger. */
  | 'head_mismatch';

export interface ChainBreak {
  /** The company, or null for the chain of entries without one. */
  companyId: string | null;
  /** The entry where the break shows: for removed entries, the first one after the gap; null if none is left. */
  entryId: string | null;
  position: number | null;
  reason: ChainBreakReason;
  message: string;
}

export interface AuditChainReport {
  ok: boolean;
  chains: number;
  brokenChains: number;
  entries: number;
  redactedEntries: number;
  firstBreak: ChainBreak | null;
  /** The first break of each broken chain, at most MAX_LISTED_BREAKS of them. */
  breaks: ChainBreak[];
}

export const MAX_LISTED_BREAKS = 100;

const companyOf = (chainId: string): string | null => (chainId === PLATFORM_CHAIN ? null : chainId);

/** The first thing wrong with an entry, given the position it should have; undefined if nothing is. */
function checkEntry(e: ChainEntryCheck, expected: number): ChainBreak | undefined {
  const position = Number(e.chainSeq);
  const at = { companyId: companyOf(e.chainId), entryId: e.id, position };
  if (position > expected) {
    const missing = position - 1 === expected ? `position ${expected} is` : `positions ${expected} to ${position - 1} are`;
    return { ...at, reason: 'missing_entries', message: `${missing} missing before entry ${e.id}` };
  }
  if (position < expected) return { ...at, reason: 'duplicate_position', message: `entry ${e.id} repeats position ${position}` };
  if (!e.contentMatches) {
    const how = e.redacted ? 'its redaction seal does not fit it (changed after or beyond its redaction)' : 'it was changed';
    return { ...at, reason: 'content_changed', message: `entry ${e.id} no longer matches its content hash: ${how}` };
  }
  if (!e.linkMatches) {
    return { ...at, reason: 'link_broken', message: `entry ${e.id} does not follow the entry before it: moved, inserted, or its hash rewritten` };
  }
  if (e.lastInChain && !e.headMatches) {
    const head = e.headSeq === null ? 'the chain has no head'
      : Number(e.headSeq) > position ? `the head says ${e.headSeq} entries: those after entry ${e.id} were removed`
        : `the head does not end at entry ${e.id}`;
    return { ...at, reason: 'head_mismatch', message: head };
  }
  return undefined;
}

/** Verifies every chain; or one company's; or, with `companyId: null`, the chain of entries without a company. */
export async function verifyAuditChains(sql: Queryable, { companyId }: { companyId?: string | null } = {}): Promise<AuditChainReport> {
  const chainId = companyId === null ? PLATFORM_CHAIN : companyId;
  const report: AuditChainReport = { ok: true, chains: 0, brokenChains: 0, entries: 0, redactedEntries: 0, firstBreak: null, breaks: [] };
  const record = (b: ChainBreak) => {
    report.ok = false;
    report.brokenChains += 1;
    report.firstBreak ??= b;
    if (report.breaks.length < MAX_LISTED_BREAKS) report.breaks.push(b);
  };

  let chain: string | undefined;
  let expected = 1;
  let broken = false;
  for await (const batch of streamChainChecks(sql, { chainId })) {
    for (const e of batch) {
      if (e.chainId !== chain) {
        chain = e.chainId;
        report.chains += 1;
        expected = 1;
        broken = false;
      }
      report.entries += 1;
      if (e.redacted) report.redactedEntries += 1;
      if (!broken) {
        const b = checkEntry(e, expected);
        if (b) {
          record(b);
          broken = true;
        }
      }
      expected = Number(e.chainSeq) + 1;
    }
  }
  for (const emptied of await listEmptiedChains(sql, chainId)) {
    report.chains += 1;
    record({
      companyId: companyOf(emptied.chainId), entryId: null, position: null, reason: 'missing_entries',
      message: `the head says ${emptied.lastSeq} entries; none is left`,
    });
  }
  return report;
}

/** The report as a few lines for a terminal. */
export function describeReport(r: AuditChainReport): string {
  const lines = [
    `audit log: ${r.chains} chain(s), ${r.entries} entries (${r.redactedEntries} redacted): ` +
    (r.ok ? 'every chain verifies' : `${r.brokenChains} broken`),
  ];
  if (r.firstBreak) {
    const b = r.firstBreak;
    lines.push(`first break: ${b.companyId ? `company ${b.companyId}` : 'entries without a company'}, ` +
      `entry ${b.entryId ?? '(none left)'}${b.position !== null ? ` at position ${b.position}` : ''}: ${b.reason}: ${b.message}`);
  }
  return lines.join('\n');
}
