// The one authentication model (api/auth.ts, api/route.ts), without a database: which credential a request
// presents, which a route accepts, the scope it needs, replies other than JSON, and how all of it is documented.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { createAuthenticate, registerSecuritySchemes } from '../../api/auth';
import { errorHandler } from '../../api/errors';
import { RouteBuilder } from '../../api/route';
import { z } from '../../api/schemas/zod';
import type { AccessTokens } from '../../libraries/accessTokens';
import type { ApiKeys } from '../../libraries/apiKeys';
import { invalidApiKey, invalidToken } from '../../libraries/credentialErrors';
import { sessionPrincipal, tokenPrincipal, type Principal } from '../../libraries/principal';
import type { Sessions } from '../../libraries/sessions';
import { REDACT } from '../../lib/logger';
import { newSecret } from '../../lib/tokenFormat';

const ACCOUNT = { accountId: 'a1', profileId: 'p1', companyId: null, isCompanyAdmin: false, isServiceAccount: false };
const SESSION_TOKEN = 'S'.repeat(43);
const PAT = newSecret('pat');
const KEY = newSecret('apiKey');

const calls: string[] = [];
const sessions = {
  authenticate: async (token: string) => {
    calls.push('session');
    return token === SESSION_TOKEN ? sessionPrincipal('s1', ACCOUNT, false) : undefined;
  },
} as unknown as Sessions;
const tokens = {
  authenticate: async (token: string) => {
    calls.push('pat');
    if (token !== PAT) throw invalidToken();
    return tokenPrincipal('pat', 't1', ACCOUNT, ['profile:read']);
  },
} as unknown as AccessTokens;
const apiKeys = {
  authenticate: async (username: string, key: string) => {
    calls.push('apiKey');
    if (key !== KEY || username !== 'ada@x.test') throw invalidApiKey();
    return tokenPrincipal('apiKey', 'k1', ACCOUNT, ['profile:read', 'profile:write']);
  },
} as unknown as ApiKeys;

let server: Server;
let base: string;
let doc: { paths: Record<string, Record<string, { security: unknown; responses: Record<string, { content?: Record<string, unknown> }> }>> };

beforeAll(async () => {
  const registry = new OpenAPIRegistry();
  registerSecuritySchemes(registry);
  const api = new RouteBuilder(registry, { authenticate: createAuthenticate({ sessions, tokens, apiKeys }), validateResponses: true, bodyLimit: '1kb' });
  const who = (auth: Principal) => ({ status: 200, body: { kind: auth.credential.kind } });
  const Who = z.object({ kind: z.string() });
  api.route({ operationId: 'any', method: 'get', path: '/any', tags: ['t'], summary: 'any', auth: true, responses: { 200: { description: 'ok', schema: Who } }, handler: async ({ auth }) => who(auth) });
  api.route({
    operationId: 'read', method: 'get', path: '/read', tags: ['t'], summary: 'read', auth: { scope: 'profile:read' },
    responses: { 200: { description: 'ok', schema: Who } }, handler: async ({ auth }) => who(auth),
  });
  api.route({
    operationId: 'write', method: 'post', path: '/write', tags: ['t'], summary: 'write', auth: { scope: 'profile:write' },
    responses: { 200: { description: 'ok', schema: Who } }, handler: async ({ auth }) => who(auth),
  });
  api.route({
    operationId: 'sessionOnly', method: 'post', path: '/session-only', tags: ['t'], summary: 'session', auth: { credentials: ['session'] },
    // The handler is typed with a SessionPrincipal: its sessionId needs no check.
    responses: { 200: { description: 'ok', schema: z.object({ sessionId: z.string() }) } }, handler: async ({ auth }) => ({ status: 200, body: { sessionId: auth.sessionId } }),
  });
  api.route({
    operationId: 'csv', method: 'get', path: '/report.csv', tags: ['t'], summary: 'csv', auth: false, dependencies: false,
    responses: { 200: { description: 'A CSV', schema: z.string(), contentType: 'text/csv' } },
    handler: async () => ({ status: 200, contentType: 'text/csv; charset=utf-8', body: 'Email,Name\r\nada@x.test,Ada\r\n', headers: { 'Content-Disposition': 'attachment; filename="report.csv"' } }),
  });
  api.route({
    operationId: 'png', method: 'get', path: '/image.png', tags: ['t'], summary: 'png', auth: false, dependencies: false,
    responses: { 200: { description: 'A PNG', schema: z.string().openapi({ format: 'binary' }), contentType: 'image/png' } },
    handler: async () => ({ status: 200, contentType: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }),
  });
  const app = express();
  app.use(api.router);
  app.use(errorHandler);
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', info: { title: 't', version: '1' } }) as unknown as typeof doc;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  calls.length = 0;
});

const send = async (method: string, path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { method, headers });
  const type = res.headers.get('content-type') ?? '';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary JSON
  const body: any = type.startsWith('application/json') ? await res.json() : Buffer.from(await res.arrayBuffer());
  return { status: res.status, type, body, headers: res.headers };
};
const BEARER = { authorization: `Bearer ${SESSION_TOKEN}` };
const MXTOKEN = { authorization: `mxtoken ${PAT}` };
const API_KEY = { 'mendix-username': 'ada@x.test', 'mendix-apikey': KEY };

describe('every request resolves to one principal, whatever it came with', () => {
  test.each([
    ['a session', BEARER, 'session'],
    ['a personal access token', MXTOKEN, 'pat'],
    ['the mxtoken scheme in any case', { authorization: `MXTOKEN ${PAT}` }, 'pat'],
    ['an API key', API_KEY, 'apiKey'],
  ])('%s', async (_name, headers, kind) => {
    const r = await send('GET', '/any', headers);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { kind } });
  });

  test('nothing: 401 auth.unauthenticated, naming what would do', async () => {
    const r = await send('GET', '/any');
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'auth.unauthenticated' });
    expect(r.body.error).toMatch(/mxtoken/);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="custodian"');
  });

  test('two credentials at once: 401, nothing looked up', async () => {
    const r = await send('GET', '/any', { ...BEARER, ...API_KEY });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 401, code: 'auth.unauthenticated' });
    expect(calls).toEqual([]);
  });

  test('an unknown token: 403 application/json {error, code}', async () => {
    const r = await send('GET', '/any', { authorization: `mxtoken ${newSecret('pat')}` });
    expect(r.type).toMatch(/^application\/json/);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: expect.any(String), code: 'auth.invalid_token' });
  });

  test('half an API key is still an API key, refused as one (403)', async () => {
    const r = await send('GET', '/any', { 'mendix-apikey': KEY });
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'auth.invalid_api_key' });
    expect(calls).toEqual(['apiKey']);
  });
});

describe('a route declares which credentials it accepts and which scope it needs', () => {
  test('a scope the token has: 200; one it lacks: 403 auth.insufficient_scope', async () => {
    expect((await send('GET', '/read', MXTOKEN)).status).toBe(200);
    const r = await send('POST', '/write', MXTOKEN);
    expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'auth.insufficient_scope' });
    expect(r.body.error).toContain('profile:write');
  });

  test('sessions carry every scope', async () => {
    expect((await send('POST', '/write', BEARER)).status).toBe(200);
  });

  test('a session-only route refuses a token and a key with 403 auth.credential_not_accepted, without looking them up', async () => {
    for (const headers of [MXTOKEN, API_KEY, { authorization: 'mxtoken garbage' }]) {
      const r = await send('POST', '/session-only', headers);
      expect({ status: r.status, code: r.body.code }).toEqual({ status: 403, code: 'auth.credential_not_accepted' });
    }
    expect(calls).toEqual([]);
    const ok = await send('POST', '/session-only', BEARER);
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: { sessionId: 's1' } });
  });

  test('the document lists the accepted credentials as security requirements, a PAT\'s with its scope', () => {
    expect(doc.paths['/read']!.get!.security).toEqual([{ bearerAuth: [] }, { mendixUsername: [], mendixApiKey: [] }, { mxtoken: ['profile:read'] }]);
    expect(doc.paths['/any']!.get!.security).toEqual([{ bearerAuth: [] }, { mendixUsername: [], mendixApiKey: [] }, { mxtoken: [] }]);
    expect(doc.paths['/session-only']!.post!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/report.csv']!.get!.security).toEqual([]);
  });
});

describe('replies other than JSON', () => {
  test('a CSV string goes out as text/csv, documented with that media type', async () => {
    const r = await send('GET', '/report.csv');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="report.csv"');
    expect(r.body.toString()).toBe('Email,Name\r\nada@x.test,Ada\r\n');
    expect(Object.keys(doc.paths['/report.csv']!.get!.responses['200']!.content!)).toEqual(['text/csv']);
  });

  test('a Buffer goes out byte for byte', async () => {
    const r = await send('GET', '/image.png');
    expect(r.type).toBe('image/png');
    expect([...r.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(Object.keys(doc.paths['/image.png']!.get!.responses['200']!.content!)).toEqual(['image/png']);
  });
});

describe('credentials never reach the log', () => {
  test('request logs redact Authorization (Bearer and mxtoken) and both API key headers', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = express();
    app.use(pinoHttp({ logger: pino({ level: 'info', redact: { paths: REDACT, censor: '[redacted]' } }, sink) }));
    app.get('/x', (_req, res) => {
      res.json({});
    });
    const s: Server = await new Promise((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/x`;
    await (await fetch(url, { headers: { authorization: `mxtoken ${PAT}` } })).arrayBuffer();
    await (await fetch(url, { headers: { authorization: `Bearer ${SESSION_TOKEN}` } })).arrayBuffer();
    await (await fetch(url, { headers: { 'mendix-username': 'ada@x.test', 'mendix-apikey': KEY } })).arrayBuffer();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    expect(text).toContain('[redacted]');
    for (const secret of [PAT, KEY, SESSION_TOKEN, 'ada@x.test']) expect(text).not.toContain(secret);
  });
});
