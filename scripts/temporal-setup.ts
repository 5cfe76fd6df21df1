import { loadConfigOrExit } from '../lib/config';
import { registerSchedules } from './devstack/schedules';
import { registerSearchAttributes } from './devstack/searchAttributes';

// `npm run temporal:setup`: registers the custom search attributes and the Schedules (the daily password
// expiry sweep) on TEMPORAL_ADDRESS, as a production cluster needs once per namespace. Safe to run again:
// an existing Schedule is brought to the configured time of day.
const config = loadConfigOrExit();
async function main(): Promise<void> {
  const added = await registerSearchAttributes(config.temporal.address, config.temporal.namespace);
  process.stdout.write(
    added.length ? `registered search attributes: ${added.join(', ')}\n` : 'search attributes already registered\n',
  );
  for (const line of await registerSchedules(config)) process.stdout.write(`${line}\n`);
}
main().catch((err) => {
  process.stderr.write(`temporal setup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
