-- The audit log, hash-chained (README "Company user management" › "Audit log"): a changed, removed, reordered
-- or inserted entry is detectable by `npm run audit:verify` (libraries/auditChain.ts).
--
-- Chains. One per company (`chain_id` = company_id) and one for the entries without a company (`chain_id` =
-- the nil UUID). Within a chain every entry has a gap-free position, `chain_seq` 1, 2, 3…, and
--     chain_hash = sha256(previous entry's chain_hash || content_hash)      (the first: sha256 of a genesis text)
-- so removing, inserting or reordering entries breaks a link or leaves a gap, and the chain's head
-- (`audit_chain_heads`: last position and hash) catches a removed tail. Ids come from an identity column and
-- are not commit-ordered, so a chain is walked by chain_seq, never by id.
--
-- Positions are handed out by the BEFORE INSERT trigger from the chain's head row: one UPDATE … RETURNING of
-- one row by its primary key (no `order by … desc limit 1` over the log). That row's lock is the chain's
-- transaction-level lock: a second insert into the same chain waits there until the first commits or rolls
-- back, then reads the new head (READ COMMITTED), so positions stay gap-free; a rollback takes its position
-- back with it. A separate advisory lock would guard the very same statement, so there is none. Other chains
-- do not wait. A transaction that writes to two chains in opposite orders to another can deadlock; Postgres
-- aborts one, which a retry repeats.
--
-- Content. content_hash is computed once, at insert, and never recomputed by a write; the verifier recomputes
-- it from the row. An entry has two kinds of content:
--   - fixed: id, company, time, credential, action, subject type, outcome, request id: sha256 of their JSON;
--   - parts an erasure may change (00008 `audit_log_redact`): every id (a lowercase UUID) in the actor, the
--     subject id and the details, the details' `address`, and the client `ip`. The ids' text with each id
--     masked (the skeleton) is hashed like the fixed content; each part is committed on its own:
--         commitment_i = sha256(nonce_i || value_i),   nonce_i = sha256(seal_salt || i)
--     with `seal_salt` 32 random bytes of the entry.
--   content_hash = sha256(sha256(fixed) || sha256(skeleton) || commitment_1 || … || commitment_n)
--
-- Redaction. Erasure is the log's one permitted change: it turns an erased person's ids into tombstones
-- (`e7a5ed00-…`) and drops a client address beside them. A tombstone has the shape of a UUID, so the
-- skeleton and the parts' positions do not move. The trigger below (after 00008's) seals the entry: for each
-- part that is now closed (a tombstone, or an address gone) it keeps the old value's commitment, for each
-- still open part its nonce, in `seal_slots` (and sets `redacted_at`), then drops `seal_salt`. The verifier rebuilds the
-- same content_hash from those slots, so a redacted entry stays verifiable, and it proves that only
-- tombstones replaced ids: every open part is checked against its nonce, and a closed one must be a
-- tombstone or absent. With the salt gone, the kept commitments reveal nothing: nobody can test a guessed
-- id against a redacted entry (which an unsalted hash of the old content would allow).
--
-- Limits, by design: every hash here is keyless, so someone who can write the tables (a superuser with the
-- triggers off) can rebuild a whole chain and its head consistently; keeping a copy of `audit_chain_heads`
-- elsewhere anchors the chains against that. Such a writer could also close more parts of an entry, which is
-- all a redaction may do anyway. Detail keys are names, never ids (jsonb orders keys, and a
-- tombstone would reorder an id used as a key; such an entry would be reported after its redaction).

create table audit_chain_heads (
  chain_id   uuid primary key,
  last_seq   bigint not null,
  last_hash  bytea not null
);

alter table audit_log
  add column chain_id      uuid generated always as (coalesce(company_id, '00000000-0000-0000-0000-000000000000'::uuid)) stored,
  add column chain_seq     bigint,
  add column content_hash  bytea,
  add column chain_hash    bytea,
  add column seal_salt     bytea,
  add column seal_slots    bytea[],
  add column redacted_at   timestamptz;

create function audit_log__genesis(chain uuid) returns bytea language sql immutable as $$
  select sha256(convert_to('custodian.audit_log/' || chain::text, 'UTF8'))
$$;

create function audit_log__link(prev bytea, content bytea) returns bytea language sql immutable as $$
  select sha256(prev || content)
$$;

-- The text that may hold a person's ids: actor, subject id and details (their client address apart).
create function audit_log__id_text(r audit_log) returns text language sql stable as $$
  select jsonb_build_array(r.actor_account_id, r.subject_id, r.details - 'address')::text
$$;

-- The parts an erasure may change, in order: every id in audit_log__id_text, then the address, then the ip.
create function audit_log__parts(r audit_log) returns text[] language sql stable as $$
  select array(select m[1]
                 from regexp_matches(audit_log__id_text(r), '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})', 'g')
                      with ordinality as t(m, n)
                order by n)
         || array[(r.details -> 'address')::text, r.ip::text]
$$;

-- A part an erasure has closed: an id that is a tombstone, or an address or ip that is absent.
create function audit_log__closed(parts text[], i integer) returns boolean language sql immutable as $$
  select case when i <= cardinality(parts) - 2 then parts[i] like 'e7a5ed00-%' else parts[i] is null end
$$;

create function audit_log__part_value(part text) returns bytea language sql immutable as $$
  select convert_to(quote_nullable(part), 'UTF8')
$$;

-- The entry's content hash, recomputed from the row: from its salt, or from the slots a redaction left.
-- Null when the slots do not fit the row (never equal to a stored hash).
create function audit_log__content_hash(r audit_log) returns bytea language plpgsql stable as $$
declare
  parts text[] := audit_log__parts(r);
  n integer := cardinality(parts);
  commitments bytea := '';
  fixed text := jsonb_build_array(
    r.id, r.company_id, (extract(epoch from r.occurred_at) * 1000000)::bigint, r.actor_credential, r.action,
    r.subject_type, r.outcome, r.request_id)::text;
  skeleton text := regexp_replace(audit_log__id_text(r), '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '*', 'g');
begin
  if r.seal_salt is null and (r.seal_slots is null or cardinality(r.seal_slots) <> n) then return null; end if;
  for i in 1..n loop
    if r.seal_salt is not null then
      commitments := commitments || sha256(sha256(r.seal_salt || int4send(i)) || audit_log__part_value(parts[i]));
    elsif audit_log__closed(parts, i) then
      commitments := commitments || r.seal_slots[i];
    else
      commitments := commitments || sha256(r.seal_slots[i] || audit_log__part_value(parts[i]));
    end if;
  end loop;
  return sha256(sha256(convert_to(fixed, 'UTF8')) || sha256(convert_to(skeleton, 'UTF8')) || commitments);
end $$;

-- The head of a chain, advanced by one under its row lock: the new position and hash.
create function audit_log__advance(chain uuid, content bytea, out seq bigint, out hash bytea) language plpgsql as $$
begin
  update audit_chain_heads set last_seq = last_seq + 1, last_hash = audit_log__link(last_hash, content)
   where chain_id = chain returning last_seq, last_hash into seq, hash;
  if not found then
    insert into audit_chain_heads (chain_id, last_seq, last_hash) values (chain, 0, audit_log__genesis(chain)) on conflict do nothing;
    update audit_chain_heads set last_seq = last_seq + 1, last_hash = audit_log__link(last_hash, content)
     where chain_id = chain returning last_seq, last_hash into seq, hash;
  end if;
end $$;

-- Whatever the INSERT said about the chain columns, the trigger decides them.
create function audit_log__chain() returns trigger language plpgsql as $$
declare
  head record;
begin
  new.seal_salt := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
  new.seal_slots := null;
  new.redacted_at := null;
  new.content_hash := audit_log__content_hash(new);
  head := audit_log__advance(coalesce(new.company_id, '00000000-0000-0000-0000-000000000000'::uuid), new.content_hash);
  new.chain_seq := head.seq;
  new.chain_hash := head.hash;
  return new;
end $$;
create trigger audit_log__chain before insert on audit_log for each row execute function audit_log__chain();

-- Runs after audit_log__redact_row (triggers fire in name order), on the row it decided: seals the parts the
-- redaction closed, as described above. The chain columns stay what they were.
create function audit_log__seal_redaction() returns trigger language plpgsql as $$
declare
  was text[] := audit_log__parts(old);
  now_parts text[] := audit_log__parts(new);
  n integer := cardinality(was);
  slots bytea[] := '{}';
  nonce bytea;
  commitment bytea;
begin
  new.chain_seq := old.chain_seq;
  new.content_hash := old.content_hash;
  new.chain_hash := old.chain_hash;
  new.seal_salt := old.seal_salt;
  new.seal_slots := old.seal_slots;
  new.redacted_at := old.redacted_at;
  if new is not distinct from old then return new; end if;
  for i in 1..n loop
    if old.seal_salt is not null then
      nonce := sha256(old.seal_salt || int4send(i));
      commitment := sha256(nonce || audit_log__part_value(was[i]));
    elsif audit_log__closed(was, i) then
      nonce := null;
      commitment := old.seal_slots[i];
    else
      nonce := old.seal_slots[i];
      commitment := sha256(nonce || audit_log__part_value(was[i]));
    end if;
    -- Parts that moved (an id used as a details key) cannot be matched up: every slot is then a commitment,
    -- the salt still goes, and the verifier reports the entry rather than the erasure failing.
    slots := array_append(slots, case
      when cardinality(now_parts) <> n or audit_log__closed(now_parts, i) then commitment else nonce end);
  end loop;
  new.seal_salt := null;
  new.seal_slots := slots;
  new.redacted_at := now();
  return new;
end $$;
create trigger audit_log__seal_redaction before update on audit_log for each row execute function audit_log__seal_redaction();

-- The entries written before this migration are chained in id order, the best order they have, as they are
-- now (earlier redactions included). The append-only triggers step aside for this one rewrite.
alter table audit_log disable trigger audit_log__append_only;
alter table audit_log disable trigger audit_log__redact_row;
alter table audit_log disable trigger audit_log__seal_redaction;
do $$
declare
  r audit_log;
  head record;
begin
  for r in select * from audit_log order by chain_id, id loop
    r.seal_salt := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
    r.content_hash := audit_log__content_hash(r);
    head := audit_log__advance(r.chain_id, r.content_hash);
    update audit_log set seal_salt = r.seal_salt, content_hash = r.content_hash, chain_seq = head.seq, chain_hash = head.hash
     where id = r.id;
  end loop;
end $$;
alter table audit_log enable trigger audit_log__append_only;
alter table audit_log enable trigger audit_log__redact_row;
alter table audit_log enable trigger audit_log__seal_redaction;

alter table audit_log
  alter column chain_seq set not null,
  alter column content_hash set not null,
  alter column chain_hash set not null;

-- The walk of a chain, in order; and no position twice.
create unique index audit_log__chain__idx on audit_log (chain_id, chain_seq);
