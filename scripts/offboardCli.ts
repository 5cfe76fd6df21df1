import { parseArgs } from 'node:util';
import type { Sql } from '../db/client';
import { batchProgress, findBatchById, listBatches, type BatchRow } from '../db/queries/offboardingBatches';
import { findOffboardingById, listOffboardings, type RunStatus } from '../db/queries/offboardings';
import { offboardingView, type OffboardingView } from '../libraries/offboarding/report';
import { OFFBOARDING_STATUSES } from '../workflows/shared/offboardingContract';

/**
 * `npm run custodian -- offboard …` (README "Offboarding" › "Operators"): read-only views of offboardings and their
 * batches, straight from the database the runs write their progress to. Ids and counts only, as in the UI.
 *
 *   offboard status <offboardingId | batchId>   one run's steps and report, or a batch's progress bar
 *   offboard batch <batchId> [--watch]          a batch's progress bar; --watch redraws it until the batch completes
 *   offboard list --company <id> [--status s] [--limit n]
 */
export const OFFBOARD_USAGE = [
  'usage: npm run custodian -- offboard status <offboarding id | batch id>',
  '       npm run custodian -- offboard batch <batch id> [--watch]',
  `       npm run custodian -- offboard list --company <company id> [--status ${OFFBOARDING_STATUSES.join('|')}] [--limit n]`,
].join('\n');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class UsageError extends Error {}

const MARK: Record<string, string> = { done: '✔', skipped: '–', failed: '✘', running: '▶', pending: '·', not_reached: '·' };

export function formatRun(v: OffboardingView): string {
  const lines = [
    `offboarding ${v.id}  company ${v.companyId}${v.batchId ? `  batch ${v.batchId}` : ''}`,
    `status: ${v.status}${v.result ? ` (${v.result})` : ''}${v.failure ? ` (${v.failure})` : ''}   effective at ${v.effectiveAt}`,
    `person: profile ${v.person.profileId ?? '-'}, accounts ${v.person.accountIds.join(', ') || '-'}   successor: ${v.successorAccountId ?? '-'}`,
    'steps:',
    ...v.steps.map((s) => `  ${MARK[s.state] ?? '?'} ${s.step.padEnd(22)} ${s.state}${s.reason ? ` (${s.reason})` : ''}`),
  ];
  const r = v.report;
  if (r) {
    lines.push(
      'report:',
      `  apps reassigned: ${r.appsReassigned.length}; training apps deleted: ${r.trainingApps.deleted.length}, skipped: ${r.trainingApps.skipped.length}`,
      `  revoked: ${r.credentialsRevoked.sessions} sessions, ${r.credentialsRevoked.apiKeys} API keys, ${r.credentialsRevoked.personalAccessTokens} tokens; ` +
        `deactivated: ${r.accountsDeactivated.length} accounts`,
      `  automations used in the last 30 days: ${r.automations.length}; successor notified: ${r.successorNotified ? 'yes' : 'no'}`,
    );
  }
  return lines.join('\n');
}

/** `[██████░░░░] 60%  12/20  completed 11, failed 1, running 2, scheduled 6, cancelled 0` */
export function progressBar(p: { total: number; byStatus: Record<RunStatus, number> }, width = 30): string {
  const finished = p.byStatus.completed + p.byStatus.failed + p.byStatus.cancelled;
  const filled = p.total === 0 ? width : Math.round((finished / p.total) * width);
  const percent = p.total === 0 ? 100 : Math.floor((finished * 100) / p.total);
  const counts = (['completed', 'failed', 'running', 'scheduled', 'cancelled'] as const).map((s) => `${s} ${p.byStatus[s]}`).join(', ');
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${finished}/${p.total}  ${counts}`;
}

async function formatBatch(sql: Sql, b: BatchRow): Promise<string> {
  const progress = await batchProgress(sql, b.id);
  return [
    `offboarding batch ${b.id}  company ${b.companyId}  ${b.status}   effective at ${b.effectiveAt.toISOString()}   concurrency ${b.concurrency}`,
    progressBar(progress),
  ].join('\n');
}

const uuidArg = (v: string | undefined, what: string): string => {
  if (!v || !UUID.test(v)) throw new UsageError(`${what} must be a UUID`);
  return v.toLowerCase();
};

/** Runs one `offboard` command, writing to `out`; answers the exit code. */
export async function offboardCommand(sql: Sql, args: string[], out: (s: string) => void, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: { company: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' }, watch: { type: 'boolean', default: false } },
  });
  const [command, id] = positionals;
  if (command === 'status') {
    const runId = uuidArg(id, 'the id');
    const run = await findOffboardingById(sql, runId);
    if (run) return out(`${formatRun(offboardingView(run))}\n`), 0;
    const batch = await findBatchById(sql, runId);
    if (batch) return out(`${await formatBatch(sql, batch)}\n`), 0;
    out(`no offboarding or batch ${runId}\n`);
    return 1;
  }
  if (command === 'batch') {
    const batchId = uuidArg(id, 'the batch id');
    for (;;) {
      const batch = await findBatchById(sql, batchId);
      if (!batch) return out(`no offboarding batch ${batchId}\n`), 1;
      out(`${await formatBatch(sql, batch)}\n`);
      if (!values.watch || batch.status === 'completed') return 0;
      await sleep(1_000);
    }
  }
  if (command === 'list') {
    const companyId = uuidArg(values.company, '--company');
    const status = values.status as RunStatus | undefined;
    if (status !== undefined && !OFFBOARDING_STATUSES.includes(status)) throw new UsageError(`--status must be one of ${OFFBOARDING_STATUSES.join(', ')}`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be 1 to 500');
    const runs = await listOffboardings(sql, { companyId, limit, ...(status ? { status } : {}) });
    out(`${runs.length} offboarding${runs.length === 1 ? '' : 's'} of company ${companyId}, newest first\n`);
    for (const r of runs) {
      const outcome = r.result ?? r.failure ?? r.currentStep ?? '';
      out(`  ${r.id}  ${r.status.padEnd(9)} ${outcome.padEnd(34)} effective ${r.effectiveAt.toISOString()}${r.batchId ? `  batch ${r.batchId}` : ''}\n`);
    }
    const batches = await listBatches(sql, companyId, 10);
    if (batches.length > 0) out('batches:\n');
    for (const b of batches) out(`  ${(await formatBatch(sql, b)).split('\n').join('\n    ')}\n`);
    return 0;
  }
  throw new UsageError(command ? `unknown command: offboard ${command}` : 'missing command');
}
