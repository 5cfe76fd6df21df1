import type { RouteBuilder } from '../route';
import { z } from '../schemas/zod';

const link = (description: string, example: string) => z.string().openapi({ description, example });

const Index = z
  .object({
    name: z.literal('Custodian API'),
    links: z.object({
      docs: link('Interactive API docs (absent when API_DOCS=false)', '/docs').optional(),
      openapi: link('The OpenAPI 3.1 document (absent when API_DOCS=false)', '/openapi.json').optional(),
      health: link('Liveness probe', '/healthz'),
      readiness: link('Readiness probe: Postgres and Temporal', '/readyz'),
    }),
  })
  .openapi('Index');

/** `GET /`: where to go from the root, so a browser or a curl at the bare host finds its way. */
export function indexRoutes(api: RouteBuilder, { docs }: { docs: boolean }): void {
  const body = {
    name: 'Custodian API' as const,
    links: { ...(docs ? { docs: '/docs', openapi: '/openapi.json' } : {}), health: '/healthz', readiness: '/readyz' },
  };
  api.route({
    operationId: 'getIndex', method: 'get', path: '/', tags: ['Operations'], auth: false, dependencies: false,
    summary: 'Links to the docs, the OpenAPI document and the probes',
    responses: { 200: { description: 'Where to go next', schema: Index } },
    handler: async () => ({ status: 200, body }),
  });
}
