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
import { createMergeService } from './mergeService';
import { RouteBuilder } from './route';
import { healthRoutes } from './routes/health';
import { mergeRoutes } from './routes/merges';
import { sessionRoutes } from './routes/sessions';
import { ErrorSchema } from './schemas/common';
import { createSignInThrottle } from './signInThrottle';

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
  const api = new RouteBuilder(registry, {
    authenticate: createAuthenticate(sql),
    validateResponses: config.env !== 'production',
    bodyLimit: '16kb',
  });

  healthRoutes(api, { sql, temporal });
  sessionRoutes(api, { sql, throttle: createSignInThrottle(config.signInThrottle), sessionTtlMs: config.sessionTtlMs });
  mergeRoutes(api, createMergeService({ sql, temporal, config }));

  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Custodian API',
      version: '0.1.0',
      description: 'User lifecycle for a developer platform. Errors share one shape: `{error, code, details?}`.',
    },
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'Custodian API' }));
  app.use(api.router);
  app.use(api.methodNotAllowed());
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
