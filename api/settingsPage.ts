import express, { Router } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { settingsContentSecurityPolicy } from './security';

/** web/settings/, next to the sources (api/..) or the compiled output (dist/api/../..). */
function webDir(): string {
  const candidates = [join(__dirname, '..', 'web', 'settings'), join(__dirname, '..', '..', 'web', 'settings')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

/**
 * The settings page (README "The settings page"): static files, no build step. The page is a client of
 * the public API like any other; it holds its session token in sessionStorage.
 */
export function settingsPage(): Router {
  const dir = webDir();
  const router = Router();
  router.use('/settings', settingsContentSecurityPolicy());
  router.get('/settings', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
  router.use('/settings', express.static(dir, { index: false, redirect: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}
