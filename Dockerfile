# One image for every Custodian process; the command picks the role:
#   node dist/api/server.js             HTTP API (default)
#   node dist/worker/main.js            Temporal worker
#   node dist/scripts/migrate.js        apply DB migrations, then exit
#   node dist/scripts/temporal-setup.js register search attributes and Schedules, then exit
#
# Debian (glibc), not Alpine: the worker bundles workflow code at start with
# @swc/core, whose native binary is published for glibc, and the Temporal core
# bridge and @node-rs/argon2 ship glibc prebuilds too.
# Node 24 LTS is the production runtime; development and CI run Node 20.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
# build: all dependencies (TypeScript etc.), compile to dist/
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Lockfile first, so the dependency layer is reused until it changes.
# --ignore-scripts: no dependency needs its install script (native modules ship
# prebuilt binaries in their packages), and skipping them keeps builds hermetic.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY . .
RUN npm run build

# ---------------------------------------------------------------------------
# runtime: production dependencies + compiled output only
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

# The whole dist tree: the worker reads dist/workflows at start to bundle it,
# and migrate reads dist/db/migrations.
COPY --from=build /app/dist ./dist
# Read at run time by the API: the /settings page and the personal-data JSON Schema.
COPY --from=build /app/web ./web
COPY --from=build /app/docs ./docs

# Files stay root-owned (read-only to the app); processes run unprivileged.
USER node

EXPOSE 3000

# No HEALTHCHECK here: the same image runs the worker and one-shot jobs, which
# serve no HTTP. The api's healthcheck lives in docker-compose.yml (or in the
# orchestrator's probes: GET /healthz for liveness, GET /readyz for readiness).
CMD ["node", "dist/api/server.js"]
