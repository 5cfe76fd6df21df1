import type { Client } from '@temporalio/client';
import type { Sql } from '../../db/client';
import { checkDependencies } from '../../libraries/health';
import type { RouteBuilder } from '../route';
import { z } from '../schemas/zod';

const Health = z.object({ status: z.literal('ok') }).openapi('Health');
const Check = z.enum(['ok', 'unavailable']);
const Readiness = z
  .object({ status: z.enum(['ready', 'unavailable']), checks: z.object({ postgres: Check, temporal: Check }) })
  .openapi('Readiness');

export function healthRoutes(api: RouteBuilder, { sql, temporal }: { sql: Sql; temporal: Client }): void {
  api.route({
    operationId: 'getHealth', method: 'get', path: '/healthz', tags: ['Operations'], auth: false, dependencies: false,
    summary: 'Liveness: the process is up',
    responses: { 200: { description: 'Alive', schema: Health } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  });

  api.route({
    operationId: 'getReadiness', method: 'get', path: '/readyz', tags: ['Operations'], auth: false,
    summary: 'Readiness: Postgres and Temporal answer',
    responses: {
      200: { description: 'Ready to serve', schema: Readiness },
      503: { description: 'A dependency is unavailable', schema: Readiness },
    },
    handler: async () => {
      const checks = await checkDependencies(sql, temporal);
      const ready = checks.postgres === 'ok' && checks.temporal === 'ok';
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'unavailable', checks } };
    },
  });
}
