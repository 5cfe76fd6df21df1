import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { Router, type Request, type Response } from 'express';
import type { ZodType } from 'zod';
import { AppError } from '../lib/errors';
import type { Principal } from '../libraries/principal';
import { ErrorSchema } from './schemas/common';
import type { z } from './schemas/zod';

export type { Principal };

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Out<T> = T extends ZodType ? z.output<T> : undefined;

interface Context<P, Q, B, A extends boolean> {
  req: Request;
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  auth: A extends true ? Principal : undefined;
}

export interface RouteSpec<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends boolean> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /v1/things/:id */
  path: string;
  /** Stable name of the operation, used by OpenAPI links and client generators. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * False for a route that touches neither Postgres nor Temporal (liveness, the index): it then documents
   * no 503. Every other route gets the common 503 unless it declares its own.
   */
  dependencies?: false;
  /** Every status the handler itself can answer; the common 400/401/413/415/503 are added from the inputs. */
  responses: Record<number, { description: string; schema?: ZodType; headers?: ResponseConfig['headers']; links?: ResponseConfig['links'] }>;
  handler: (ctx: Context<P, Q, B, A>) => Promise<Reply>;
}

type AnySpec = RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined, boolean>;

export type Authenticate = (req: Request) => Promise<Principal>;

const errorResponse = (description: string, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ErrorSchema } },
});

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' as const } } };

function issues(error: { issues: { path: PropertyKey[]; message: string }[] }, where: string) {
  return error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

/**
 * Declares routes once: the same zod schemas validate requests, type handlers, document the OpenAPI
 * operation and (outside production) check responses, so the document cannot drift from the code.
 */
export class RouteBuilder {
  readonly router = Router();
  private readonly methodsByPath = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  constructor(
    readonly registry: OpenAPIRegistry,
    private readonly opts: { authenticate: Authenticate; validateResponses: boolean; bodyLimit: string },
  ) {}

  route<P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends boolean>(
    spec: RouteSpec<P, Q, B, A>,
  ): void {
    this.document(spec);
    const json = express.json({ limit: this.opts.bodyLimit, strict: true });
    const handlers: express.RequestHandler[] = [];
    if (spec.body) {
      handlers.push((req, _res, next) => {
        const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        if ((req.headers['content-type'] || hasBody) && !req.is('application/json')) {
          next(new AppError(415, 'request.unsupported_media_type', 'The request body must be application/json'));
        } else next();
      }, json);
    }
    const documented = new Set(Object.keys(this.documentedResponses(spec)).map(Number));
    handlers.push(async (req: Request, res: Response) => {
      let reply: Reply;
      try {
        const auth = spec.auth ? await this.opts.authenticate(req) : undefined;
        const params = parse(spec.params, req.params, 'params');
        const query = parse(spec.query, req.query, 'query');
        const body = parse(spec.body, req.body, 'body');
        reply = await spec.handler({ req, params, query, body, auth } as Context<P, Q, B, A>);
      } catch (err) {
        if (this.opts.validateResponses && err instanceof AppError && !documented.has(err.status)) {
          throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered undocumented status ${err.status} (${err.code})`);
        }
        throw err;
      }
      if (this.opts.validateResponses) checkResponse(spec, reply);
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    });
    this.router[spec.method](spec.path, ...handlers);
    const known = this.methodsByPath.get(spec.path) ?? {
      pattern: new RegExp(`^${spec.path.replace(/:\w+/g, '[^/]+')}/?$`),
      methods: new Set<string>(),
    };
    known.methods.add(spec.method.toUpperCase()).add(spec.method === 'get' ? 'HEAD' : spec.method.toUpperCase());
    this.methodsByPath.set(spec.path, known);
  }

  /** After the routes: a known path asked with a method it does not serve gets 405 and `Allow`, not 404. */
  methodNotAllowed(): express.RequestHandler {
    return (req, _res, next) => {
      const hit = [...this.methodsByPath.values()].find((p) => p.pattern.test(req.path));
      if (!hit || req.method === 'OPTIONS') return next();
      const allow = [...hit.methods].sort().join(', ');
      next(new AppError(405, 'request.method_not_allowed', `${req.method} is not allowed here`, { headers: { Allow: allow } }));
    };
  }

  private document(spec: AnySpec): void {
    this.registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      // Public operations say so explicitly, rather than leaving it to a global default.
      security: spec.auth ? [{ session: [] }] : [],
      request: {
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.body ? { body: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      },
      responses: this.documentedResponses(spec),
    });
  }

  private documentedResponses(spec: AnySpec): RouteConfig['responses'] {
    const responses: RouteConfig['responses'] = {};
    if (spec.params || spec.query || spec.body) responses[400] = errorResponse('The request is malformed or fails validation.');
    if (spec.auth) responses[401] = errorResponse('Missing, invalid or expired session token.');
    if (spec.body) {
      responses[413] = errorResponse('The request body is too large.');
      responses[415] = errorResponse('The request body is not application/json.');
    }
    // Any route that reads the database can meet an outage (api/errors.ts answers database.unavailable).
    if (spec.dependencies !== false && !spec.responses[503]) {
      responses[503] = errorResponse('A dependency (database or workflow service) is unavailable; retry after Retry-After.', retryAfter);
    }
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[Number(status)] = {
        description: r.description,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.links ? { links: r.links } : {}),
        ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
      };
    }
    return responses;
  }
}

function parse(schema: ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(400, 'request.invalid', `Invalid request ${where}`, { details: issues(result.error, where) });
  }
  return result.data;
}

function checkResponse(spec: AnySpec, reply: Reply): void {
  const declared = spec.responses[reply.status];
  if (!declared) throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered undocumented status ${reply.status}`);
  if (declared.schema) {
    const r = declared.schema.safeParse(reply.body);
    if (!r.success) throw new Error(`${spec.method.toUpperCase()} ${spec.path} ${reply.status} breaks its schema: ${r.error.message}`);
  }
}
