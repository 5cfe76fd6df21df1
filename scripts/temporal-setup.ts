import { loadConfigOrExit } from '../lib/config';
import { registerSearchAttributes } from './devstack/searchAttributes';

// `npm run temporal:setup`: registers the custom search attributes on TEMPORAL_ADDRESS, as a production
// cluster needs once per namespace. Safe to run again.
const config = loadConfigOrExit();
registerSearchAttributes(config.temporal.address, config.temporal.namespace)
  .then((added) => {
    process.stdout.write(
      added.length ? `registered search attributes: ${added.join(', ')}\n` : 'search attributes already registered\n',
    );
  })
  .catch((err) => {
    process.stderr.write(`temporal setup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
