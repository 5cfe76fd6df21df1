import type { Queryable } from '../client';

/**
 * The audit log's hash chains (migration 00015), as the verifier reads them. The rule itself, content and
 * link hashes, is the migration's SQL functions, the same ones the insert trigger writes with; this module
 * only asks them about every entry, in chain order, through a cursor.
 */

/** The chain of the entries without a company. */
export const PLATFORM_CHAIN = '00000000-0000-0000-0000-000000000000';

/** One entry, checked against the hashes stored in it and in the entry before it. */
export interface ChainEntryCheck {
  id: string;
  chainId: string;
  chainSeq: string;
  /** Its content hash recomputed from the row (from its salt, or its redaction's seal) equals the stored one. */
  contentMatches: boolean;
  /** Its chain hash is sha256(the previous entry's chain hash, or the genesis, || its content hash). */
  linkMatches: boolean;
  redacted: boolean;
  /** The last entry of its chain: `headSeq` and `headMatches` then say how it compares with the chain's head. */
  lastInChain: boolean;
  headSeq: string | null;
  headMatches: boolean | null;
}

/** Every entry of every chain (or of one), ordered by chain and position, `batch` rows at a time. */
export function streamChainChecks(sql: Queryable, { chainId, batch = 1000 }: { chainId?: string; batch?: number }): AsyncIterable<ChainEntryCheck[]> {
  const only = chainId ? sql`where a.chain_id = ${chainId}` : sql``;
  return sql<ChainEntryCheck[]>`
    select x.id, x.chain_id, x.chain_seq, x.content_matches, x.link_matches, x.redacted, x.last_in_chain,
           case when x.last_in_chain then (select h.last_seq from audit_chain_heads h where h.chain_id = x.chain_id) end as head_seq,
           case when x.last_in_chain then (select h.last_seq = x.chain_seq and h.last_hash = x.chain_hash
                                             from audit_chain_heads h where h.chain_id = x.chain_id) end as head_matches
      from (
        select a.id, a.chain_id, a.chain_seq, a.chain_hash,
               coalesce(audit_log__content_hash(a) = a.content_hash, false) as content_matches,
               coalesce(audit_log__link(coalesce(lag(a.chain_hash) over w, audit_log__genesis(a.chain_id)), a.content_hash) = a.chain_hash, false)
                 as link_matches,
               a.seal_salt is null as redacted,
               lead(a.chain_seq) over w is null as last_in_chain
          from audit_log a
          ${only}
        window w as (partition by a.chain_id order by a.chain_seq)
      ) x
     order by x.chain_id, x.chain_seq`.cursor(batch);
}

/** Chains whose head names entries of which none is left (every entry removed). */
export async function listEmptiedChains(sql: Queryable, chainId?: string): Promise<{ chainId: string; lastSeq: string }[]> {
  const only = chainId ? sql`and h.chain_id = ${chainId}` : sql``;
  return sql<{ chainId: string; lastSeq: string }[]>`
    select h.chain_id, h.last_seq from audit_chain_heads h
     where not exists (select 1 from audit_log a where a.chain_id = h.chain_id) ${only}
     order by h.chain_id`;
}
