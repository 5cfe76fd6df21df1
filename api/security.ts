import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Every answer is JSON, so the page a browser might make of one may load nothing, run nothing and be
 * framed by nobody.
 */
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * /docs is swagger-ui-express: its scripts are files of its own (swagger-ui-bundle.js, swagger-ui-init.js,
 * which carries the document), so no inline script runs; its page has inline <style> blocks and React sets
 * style attributes, hence 'unsafe-inline' for styles only; its icons are data: images; "Try it out" calls
 * this same origin.
 */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
};

/**
 * /settings (api/settingsPage.ts) is static HTML with one script file and one stylesheet, both from this
 * origin: no inline script or style, no other origin; it calls only this API. Avatars are served by the API
 * (same origin); a chosen file is previewed from a blob: URL.
 */
const SETTINGS_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/** helmet's headers on every response: nosniff, DENY framing, HSTS, no referrer, and the strict CSP above. */
export const securityHeaders = (): RequestHandler =>
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
  });

/** Replaces the CSP on the docs pages with one Swagger UI can run under. */
export const docsContentSecurityPolicy = (): RequestHandler =>
  helmet.contentSecurityPolicy({ useDefaults: false, directives: DOCS_CSP });

/** Replaces the CSP on the settings page and its files with SETTINGS_CSP. */
export const settingsContentSecurityPolicy = (): RequestHandler =>
  helmet.contentSecurityPolicy({ useDefaults: false, directives: SETTINGS_CSP });

/** API answers carry sessions, merges and personal data: no cache, browser or proxy, may keep one. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
