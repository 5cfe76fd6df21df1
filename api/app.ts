import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import swaggerUi from 'swagger-ui-express';
import type { Sql } from '../db/client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createAuthenticate } from './auth';
import { errorHandler, notFoundHandler } from './errors';
import { RouteBuilder } from './route';
import { healthRoutes } from './routes/health';
import { indexRoutes } from './routes/index';
import { mergeRoutes } from './routes/merges';
import { sessionRoutes } from './routes/sessions';
import { ErrorSchema } from './schemas/common';
import { docsContentSecurityPolicy, noStore, securityHeaders } from './security';
import { createMergeService } from '../libraries/merges/service';
import { createSessions } from '../libraries/sessions';
import { createSignInThrottle } from '../libraries/signInThrottle';
import { createCodeFlows } from '../libraries/verification';

export interface AppDeps {
  config: Config;
  sql: Sql;
  temporal: Client;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP app without listening, so tests and the server entry share it. */
export function createApp({ config, sql, temporal, logger }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use('/v1', noStore);

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  const registry = new OpenAPIRegistry();
  registry.register('Error', ErrorSchema);
  registry.registerComponent('securitySchemes', 'session', {
    type: 'http',
    scheme: 'bearer',
    description: 'A session token from POST /v1/sessions',
  });
  const sessions = createSessions({
    sql, throttle: createSignInThrottle(sql, config.signInThrottle), sessionTtlMs: config.sessionTtlMs, sessionIdleSeconds: config.sessionIdleSeconds,
  });
  const codeFlows = createCodeFlows({ sql, temporal, keys: config.keys, deadlineMs: config.temporal.deadlineMs });
  const api = new RouteBuilder(registry, {
    authenticate: createAuthenticate(sessions),
    validateResponses: config.env !== 'production',
    bodyLimit: '16kb',
  });

  indexRoutes(api, { docs: config.apiDocs });
  healthRoutes(api, { sql, temporal });
  sessionRoutes(api, sessions);
  mergeRoutes(api, createMergeService({ sql, temporal, codeFlows, settings: { taskQueue: config.temporal.taskQueue, mergeTtlMs: config.mergeTtlMs } }));

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Custodian API',
      version: '0.1.0',
      description: 'User lifecycle for a developer platform. Errors share one shape: `{error, code, details?}`.',
      // package.json says UNLICENSED, npm's word for "not open source" and no SPDX id; an SPDX
      // LicenseRef- names a license of one's own, and there is no license URL to give instead.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'This API, on the host that serves this document' }],
  });
  // API_DOCS=false: neither is served, so both answer 404 route.not_found.
  if (config.apiDocs) {
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    app.use('/docs', docsContentSecurityPolicy(), swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Custodian API' }));
  }
  app.use(api.router);
  app.use(api.methodNotAllowed());
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
