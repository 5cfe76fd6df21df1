import type { Request } from 'express';
import type { Actor } from '../libraries/companyAccess';
import type { Principal } from '../libraries/principal';

/**
 * The caller as the company API audits it: the principal, the client address (req.ip, which applies
 * TRUST_PROXY) and the request id that pino-http set (X-Request-Id).
 */
export function actorOf(principal: Principal, req: Request): Actor {
  const id = (req as Request & { id?: unknown }).id;
  return { principal, ip: req.ip ?? null, requestId: typeof id === 'string' ? id : null };
}
