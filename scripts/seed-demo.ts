import { createSql } from '../db/client';
import { DEMO, seedDemo } from '../db/queries/demo';
import { loadConfigOrExit } from '../lib/config';
import { hashPassword } from '../lib/passwords';

// `npm run seed:demo`: creates the demo company and people once; running it again changes nothing.
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const sql = createSql({ databaseUrl: config.databaseUrl, max: 1, applicationName: 'custodian-seed' });
  try {
    const created = await seedDemo(sql, await hashPassword(DEMO.password));
    process.stdout.write(created ? 'demo data created\n' : 'demo data already present; nothing changed\n');
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch((err) => {
  process.stderr.write(`seeding failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
