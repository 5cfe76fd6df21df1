import { migrate } from '../db/migrate';
import { loadConfigOrExit } from '../lib/config';

// `npm run db:migrate`: applies pending migrations to DATABASE_URL and exits.
const config = loadConfigOrExit();
migrate(config.databaseUrl, (m) => process.stdout.write(`${m}\n`))
  .then(() => process.stdout.write('migrations are up to date\n'))
  .catch((err) => {
    process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
