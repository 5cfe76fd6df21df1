import { parseArgs } from 'node:util';
import { createSql } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { describeReport, verifyAuditChains } from '../libraries/auditChain';

/**
 * `npm run audit:verify [-- --company <id>] [-- --json]`: verifies the audit log's hash chains in DATABASE_URL
 * (README "Company user management" › "Audit log"), every chain or one company's, streaming the entries.
 * Prints a summary (or the report as JSON). Exit codes: 0 every chain verifies, 1 a chain is broken,
 * 2 the verification could not run (bad arguments, no database).
 */
const USAGE = 'usage: npm run audit:verify [-- --company <company id>] [-- --json]';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function options(): { companyId?: string; json: boolean } {
  try {
    const { values } = parseArgs({ options: { company: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
    if (values.company !== undefined && !UUID.test(values.company)) throw new Error('--company takes a company id (a UUID)');
    return { companyId: values.company?.toLowerCase(), json: values.json ?? false };
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const { companyId, json } = options();
  const config = loadConfigOrExit();
  const sql = createSql({ databaseUrl: config.databaseUrl, max: 1, applicationName: 'custodian-audit-verify' });
  try {
    const report = await verifyAuditChains(sql, { companyId });
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${describeReport(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`audit verification failed to run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
