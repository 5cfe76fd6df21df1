import type { ActivityOptions } from '@temporalio/workflow';

/**
 * For a step that must eventually happen (it is idempotent, keyed by its flow's row): infrastructure
 * failures retry with backoff up to a minute apart, without limit. Every workflow's such steps share it.
 */
export const UNTIL_DONE = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' },
} satisfies ActivityOptions;
