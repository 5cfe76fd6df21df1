import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { Router, type Request, type Response } from 'express';
import type { ZodType } from 'zod';
import { AppError } from '../lib/errors';
import { passwordExpired } from '../libraries/passwordExpiry';
import { insufficientScope } from '../libraries/credentialErrors';
import { CREDENTIAL_KINDS, type CredentialKind, type Principal, type SessionPrincipal } from '../libraries/principal';
import type { Scope } from '../libraries/scopes';
import { ErrorSchema } from './schemas/common';
import { EXPORT_BUSY, sendStream, StreamSlots, type StreamLimits } from './streamReply';
import type { z } from './schemas/zod';

export type { Principal };

/**
 * Who may call a route (README "Developer settings"):
 * - `false`: anyone, no credential;
 * - `true`: any credential (a session, an API key or a personal access token), no particular scope;
 * - `{credentials, scope}`: only these kinds of credential (default: all three), and a PAT only with `scope`.
 *   Sessions and API keys carry every scope. A route for sessions only gets a `SessionPrincipal`.
 */
export type AuthSpec = boolean | { credentials?: readonly CredentialKind[]; scope?: Scope };
type AuthOf<A> = A extends false ? undefined : A extends { credentials: readonly 'session'[] } ? SessionPrincipal : Principal;

/** What a route's `auth` means, spelled out; undefined for a public route. */
export function authRule(auth: AuthSpec): { credentials: readonly CredentialKind[]; scope?: Scope } | undefined {
  if (auth === false) return undefined;
  if (auth === true) return { credentials: CREDENTIAL_KINDS };
  // In one order whatever the declaration's, so the document's security lists read the same everywhere.
  const credentials = CREDENTIAL_KINDS.filter((k) => (auth.credentials ?? CREDENTIAL_KINDS).includes(k));
  return { credentials, ...(auth.scope ? { scope: auth.scope } : {}) };
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A body other than JSON: `body` (a string or a Buffer) is sent as it is, with this Content-Type (a PNG, a
   * small CSV). The route documents the media type as its response's `contentType`.
   */
  contentType?: string;
  /**
   * A streamed body instead of `body`: its chunks are written as they come (chunked transfer encoding),
   * with backpressure, so a large answer is never built in memory. Nothing is sent until the first chunk
   * arrives, so an error before it still gets the one JSON error shape; an error after it aborts the
   * connection, so a client never takes a truncated body for a whole one. Only for a route that declares
   * `streams` (api/streamReply.ts: the stall deadline and the per-process cap).
   */
  stream?: AsyncIterable<string>;
}

type Out<T> = T extends ZodType ? z.output<T> : undefined;

/** A raw (non-JSON) request body: see RouteSpec.rawBody. */
export interface RawBodySpec { mediaTypes: string[]; limit: string; description: string }

interface Context<P, Q, B, A extends AuthSpec, R> {
  req: Request;
  params: Out<P>;
  query: Out<Q>;
  /** A route that takes both a JSON body and a raw one gets `undefined` here for a raw request (req.body is its Buffer). */
  body: R extends RawBodySpec ? Out<B> | undefined : Out<B>;
  auth: AuthOf<A>;
}

export interface RouteSpec<
  P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, A extends AuthSpec,
  R extends RawBodySpec | undefined = undefined,
> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax: /v1/things/:id */
  path: string;
  /** Stable name of the operation, used by OpenAPI links and client generators. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Who may call it: see AuthSpec. Every refusal it implies (401, 403) is documented automatically. */
  auth: A;
  /**
   * True for the few routes a session whose password has expired may still use (changing the password,
   * signing out). Every other authenticated route answers such a session 403 `auth.password_expired`,
   * documented on each of them automatically.
   */
  allowRestricted?: true;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON body's size limit, for a route that takes more than the common 16 kB (a bulk upload). */
  bodyLimit?: string;
  /**
   * A raw (non-JSON) body instead of `body`: the handler gets it as `req.body`, a Buffer. Only these media
   * types are read (others: 415 `request.unsupported_media_type`), at most `limit` (else 413 `request.too_large`).
   * With `body` too, the Content-Type chooses: JSON is parsed and validated as `body`, these types are read raw
   * (a bulk upload as a JSON list or a CSV file).
   */
  rawBody?: R;
  /**
   * For a route that may answer with `Reply.stream`: `true`, or which requests will (a listing's CSV). Such a
   * request takes one of the process's stream slots after validation and before the handler runs, so a
   * refused export (`503 export.busy`, documented automatically) has done nothing, not even its audit entry.
   */
  streams?: true | ((input: { req: Request; query: Out<Q> }) => boolean);
  /**
   * False for a route that touches neither Postgres nor Temporal (liveness, the index): it then documents
   * no 503. Every other route gets the common 503 unless it declares its own.
   */
  dependencies?: false;
  /** Every status the handler itself can answer; the common 400/401/413/415/503 are added from the inputs. */
  /** `contentType`: the documented media type of the body (default application/json), e.g. for a streamed reply. */
  /** `also`: other media types of the same answer, by content negotiation (a listing's `text/csv`). */
  responses: Record<number, {
    description: string; schema?: ZodType; contentType?: string; also?: Record<string, ZodType>;
    headers?: ResponseConfig['headers']; links?: ResponseConfig['links'];
  }>;
  handler: (ctx: Context<P, Q, B, A, R>) => Promise<Reply>;
}

/** What the credential step leaves for the handler step of the same request. */
interface Locals { principal?: Principal }

type AnySpec = RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined, AuthSpec, RawBodySpec | undefined>;

/**
 * Resolves a request to its principal, given the kinds of credential the route accepts (default: all), or
 * throws its refusal (api/auth.ts).
 */
export type Authenticate = (req: Request, accepted?: readonly CredentialKind[]) => Promise<Principal>;

const errorResponse = (description: string, headers?: ResponseConfig['headers']): ResponseConfig => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ErrorSchema } },
});

const PASSWORD_EXPIRED = 'The account\'s password has expired (`auth.password_expired`): this session may only change the password (PUT /v1/accounts/current/password) or sign out.';

const NAMES: Record<CredentialKind, string> = { session: 'a session', apiKey: 'an API key', pat: 'a personal access token' };

/** The security requirement of each kind of credential (app.ts registers the schemes). */
const SECURITY: Record<CredentialKind, (scope?: Scope) => Record<string, string[]>> = {
  session: () => ({ bearerAuth: [] }),
  // OpenAPI 3.1 lets a non-OAuth requirement name the roles it needs: the token's scope.
  pat: (scope) => ({ mxtoken: scope ? [scope] : [] }),
  apiKey: () => ({ mendixUsername: [], mendixApiKey: [] }),
};

function unauthenticatedDescription(credentials: readonly CredentialKind[]): string {
  const session = credentials.includes('session') ? '; or a missing, invalid or expired session token' : '';
  return `No credential, or two at once${session} (\`auth.unauthenticated\`).`;
}

/** Every 403 the credential rules of a route can answer, for its document. */
function forbidden(rule: { credentials: readonly CredentialKind[]; scope?: Scope }, allowRestricted: boolean): string {
  const reasons: string[] = [];
  if (rule.credentials.includes('session') && !allowRestricted) reasons.push(PASSWORD_EXPIRED);
  if (rule.credentials.length < CREDENTIAL_KINDS.length) {
    reasons.push(`A credential of a kind this operation does not take (\`auth.credential_not_accepted\`): it needs ${rule.credentials.map((k) => NAMES[k]).join(' or ')}.`);
  }
  if (rule.credentials.includes('pat')) {
    reasons.push(
      'The personal access token is invalid, expired or deleted (`auth.invalid_token`)' +
      (rule.scope ? `, or lacks the scope \`${rule.scope}\` (\`auth.insufficient_scope\`).` : '.'),
    );
  }
  if (rule.credentials.includes('apiKey')) reasons.push('The API key is invalid or revoked, or not the account\'s named by Mendix-Username (`auth.invalid_api_key`).');
  if (rule.credentials.some((k) => k !== 'session')) reasons.push('The account of the key or token is deactivated (`auth.account_deactivated`).');
  return reasons.join(' Or: ');
}

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
    private readonly opts: { authenticate: Authenticate; validateResponses: boolean; bodyLimit: string; streams?: StreamLimits },
  ) {
    this.streamSlots = new StreamSlots(opts.streams?.maxConcurrent ?? 2);
  }

  /** Shared by every streaming route of the process (createApp builds one RouteBuilder). */
  private readonly streamSlots: StreamSlots;

  route<
    P extends ZodType | undefined, Q extends ZodType | undefined, B extends ZodType | undefined, const A extends AuthSpec,
    R extends RawBodySpec | undefined = undefined,
  >(spec: RouteSpec<P, Q, B, A, R>): void {
    this.document(spec as AnySpec);
    const json = express.json({ limit: spec.bodyLimit ?? this.opts.bodyLimit, strict: true });
    const handlers: express.RequestHandler[] = [];
    const documented = new Set(Object.keys(this.documentedResponses(spec as AnySpec)).map(Number));
    const undocumented = (err: unknown) => {
      if (this.opts.validateResponses && err instanceof AppError && !documented.has(err.status)) {
        return new Error(`${spec.method.toUpperCase()} ${spec.path} answered undocumented status ${err.status} (${err.code})`);
      }
      return err;
    };
    const rule = authRule(spec.auth);
    // The credential first, before any body is read: an anonymous caller must not make us buffer and parse
    // megabytes (a bulk upload takes 10 MB). So 401/403 come before 413/415/400; the principal waits in res.locals.
    if (rule) {
      handlers.push(async (req, res, next) => {
        try {
          const auth = await this.opts.authenticate(req, rule.credentials);
          if (auth.passwordExpired && !spec.allowRestricted) throw passwordExpired();
          if (rule.scope && !auth.scopes.includes(rule.scope)) throw insufficientScope(rule.scope);
          (res.locals as Locals).principal = auth;
        } catch (err) {
          return next(undocumented(err));
        }
        next();
      });
    }
    const raw: RawBodySpec | undefined = spec.rawBody;
    if (spec.body && raw) {
      const rawParser = express.raw({ type: () => true, limit: raw.limit });
      const types = ['application/json', ...raw.mediaTypes];
      handlers.push((req, res, next) => {
        if (req.is(raw.mediaTypes)) return rawParser(req, res, next);
        // No Content-Type and no body: JSON's path, which answers 400 for the missing body.
        if ((req.headers['content-type'] || hasBody(req)) && !req.is('application/json')) {
          return next(new AppError(415, 'request.unsupported_media_type', `The request body must be one of ${types.join(', ')}`));
        }
        return json(req, res, next);
      });
    } else if (spec.body) {
      handlers.push((req, _res, next) => {
        if ((req.headers['content-type'] || hasBody(req)) && !req.is('application/json')) {
          next(new AppError(415, 'request.unsupported_media_type', 'The request body must be application/json'));
        } else next();
      }, json);
    }
    if (raw && !spec.body) {
      handlers.push((req, _res, next) => {
        if (!req.is(raw.mediaTypes)) {
          next(new AppError(415, 'request.unsupported_media_type', `The request body must be one of ${raw.mediaTypes.join(', ')}`));
        } else next();
      }, express.raw({ type: () => true, limit: raw.limit }));
    }
    handlers.push(async (req: Request, res: Response) => {
      let reply: Reply;
      let release: (() => void) | undefined;
      try {
        try {
          const auth = rule ? (res.locals as Locals).principal : undefined;
          const params = parse(spec.params, req.params, 'params');
          const query = parse(spec.query, req.query, 'query');
          const body = raw && Buffer.isBuffer(req.body) ? undefined : parse(spec.body, req.body, 'body');
          const streams = spec.streams === true || (spec.streams?.({ req, query: query as never }) ?? false);
          if (streams) release = this.streamSlots.take();
          reply = await spec.handler({ req, params, query, body, auth } as Context<P, Q, B, A, R>);
        } catch (err) {
          throw undocumented(err);
        }
        if (this.opts.validateResponses) checkResponse(spec as AnySpec, reply, release !== undefined);
        if (reply.stream) {
          // A stream the route did not announce (production skips the check above) still counts.
          release ??= this.streamSlots.take();
          const type = reply.contentType ?? spec.responses[reply.status]?.contentType ?? 'application/json';
          return await sendStream(res, reply, type, this.opts.streams?.stallTimeoutMs ?? 30_000);
        }
      } finally {
        release?.();
      }
      for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
      if (reply.contentType) res.status(reply.status).type(reply.contentType).send(reply.body);
      else if (reply.body === undefined) res.status(reply.status).end();
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

  /** For a public route that serves a signed-in caller more (an avatar): the credential when one is sent, which must be valid. */
  optionalPrincipal(req: Request): Promise<Principal | undefined> {
    const sent = req.headers.authorization !== undefined || req.headers['mendix-apikey'] !== undefined;
    return sent ? this.opts.authenticate(req, CREDENTIAL_KINDS) : Promise.resolve(undefined);
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
    const rule = authRule(spec.auth);
    this.registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:(\w+)/g, '{$1}'),
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      // Public operations say so explicitly, rather than leaving it to a global default.
      // Each accepted credential is one alternative; the API key's two headers go together.
      security: (rule?.credentials ?? []).map((k) => SECURITY[k](rule?.scope)),
      request: {
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.body || spec.rawBody ? {
          body: {
            required: true,
            ...(spec.rawBody ? { description: spec.rawBody.description } : {}),
            content: {
              ...(spec.body ? { 'application/json': { schema: spec.body } } : {}),
              ...Object.fromEntries((spec.rawBody?.mediaTypes ?? []).map((t) => [t, { schema: { type: 'string' as const, format: 'binary' } }])),
            },
          },
        } : {}),
      },
      responses: this.documentedResponses(spec),
    });
  }

  private documentedResponses(spec: AnySpec): RouteConfig['responses'] {
    const responses: RouteConfig['responses'] = {};
    if (spec.params || spec.query || spec.body) responses[400] = errorResponse('The request is malformed or fails validation.');
    const rule = authRule(spec.auth);
    const refusals = rule ? forbidden(rule, spec.allowRestricted === true) : '';
    if (rule) responses[401] = errorResponse(unauthenticatedDescription(rule.credentials));
    if (refusals) responses[403] = errorResponse(refusals);
    if (spec.body) {
      responses[413] = errorResponse('The request body is too large.');
      responses[415] = errorResponse('The request body is not application/json.');
    }
    if (spec.bodyLimit) responses[413] = errorResponse(`The request body is over ${spec.bodyLimit}.`);
    if (spec.rawBody) {
      const types = [...(spec.body ? ['application/json'] : []), ...spec.rawBody.mediaTypes];
      const jsonLimit = spec.bodyLimit ?? this.opts.bodyLimit;
      const limit = spec.body && jsonLimit !== spec.rawBody.limit ? `${jsonLimit} (JSON) or ${spec.rawBody.limit}` : spec.rawBody.limit;
      responses[413] = errorResponse(`The request body is over ${limit}.`);
      responses[415] = errorResponse(`The request body is not one of ${types.join(', ')}.`);
    }
    // Any route that reads the database can meet an outage (api/errors.ts answers database.unavailable).
    const busy = spec.streams ? `${EXPORT_BUSY}: each holds a database connection while it runs` : '';
    if ((spec.dependencies !== false || busy) && !spec.responses[503]) {
      const outage = spec.dependencies !== false ? 'A dependency (database or workflow service) is unavailable' : '';
      responses[503] = errorResponse(`${[outage, busy].filter(Boolean).join('; or: ')}; retry after Retry-After.`, retryAfter);
    }
    for (const [status, r] of Object.entries(spec.responses)) {
      // A route's own 403 keeps the credential refusals in its description, its own 503 the stream cap.
      const also = Number(status) === 403 && refusals ? `; or: ${refusals}` : Number(status) === 503 && busy ? `; or: ${busy}` : '';
      responses[Number(status)] = {
        description: r.description + also,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.links ? { links: r.links } : {}),
        ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema }, ...media(r.also) } } : {}),
      };
    }
    return responses;
  }
}

const hasBody = (req: Request) => Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

const media = (also: Record<string, ZodType> | undefined) =>
  Object.fromEntries(Object.entries(also ?? {}).map(([type, schema]) => [type, { schema }]));

function parse(schema: ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError(400, 'request.invalid', `Invalid request ${where}`, { details: issues(result.error, where) });
  }
  return result.data;
}

function checkResponse(spec: AnySpec, reply: Reply, streamSlot: boolean): void {
  const declared = spec.responses[reply.status];
  if (!declared) throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered undocumented status ${reply.status}`);
  if (reply.stream && !streamSlot) throw new Error(`${spec.method.toUpperCase()} ${spec.path} streamed a reply without declaring it in \`streams\``);
  if (declared.schema && !reply.stream && !Buffer.isBuffer(reply.body) && !reply.contentType) {
    const r = declared.schema.safeParse(reply.body);
    if (!r.success) throw new Error(`${spec.method.toUpperCase()} ${spec.path} ${reply.status} breaks its schema: ${r.error.message}`);
  }
}
