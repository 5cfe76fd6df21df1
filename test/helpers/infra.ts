/** What globalSetup started, handed to every test file through these environment variables. */
export const INFRA_ENV = {
  pgAdminUrl: 'CUSTODIAN_TEST_PG_ADMIN_URL',
  pgTemplate: 'CUSTODIAN_TEST_PG_TEMPLATE',
  temporalAddress: 'CUSTODIAN_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'CUSTODIAN_TEST_WORKFLOW_BUNDLE',
} as const;

export function infra() {
  const get = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set: run integration tests through jest, whose globalSetup starts the infrastructure`);
    return v;
  };
  return {
    pgAdminUrl: get(INFRA_ENV.pgAdminUrl),
    pgTemplate: get(INFRA_ENV.pgTemplate),
    temporalAddress: get(INFRA_ENV.temporalAddress),
    workflowBundlePath: get(INFRA_ENV.workflowBundle),
  };
}
