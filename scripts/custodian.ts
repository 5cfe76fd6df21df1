import { createSql } from '../db/client';
import { loadConfigOrExit } from '../lib/config';
import { OFFBOARD_USAGE, UsageError, offboardCommand } from './offboardCli';

/**
 * `npm run custodian -- <area> <command> …`: the operators' command line, read-only, against DATABASE_URL.
 * Areas: `offboard` (README "Offboarding" › "Operators"). Exit codes: 0 done, 1 not found, 2 bad arguments.
 */
const USAGE = OFFBOARD_USAGE;

async function main(argv: string[]): Promise<number> {
  const [area, ...rest] = argv;
  if (area !== 'offboard') {
    process.stderr.write(`${area ? `unknown area: ${area}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const config = loadConfigOrExit();
  const sql = createSql({ databaseUrl: config.databaseUrl, max: 1, applicationName: 'custodian-cli' });
  try {
    return await offboardCommand(sql, rest, (s) => process.stdout.write(s));
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
