# syntax=docker/dockerfile:1
#
# Container image for the bot. Build: `docker build -t congdoan-bot .` (BuildKit, the default
# builder of current Docker, is needed for the cache mounts). Run it with compose.yaml, or alone:
#   docker run --init -e TELEGRAM_BOT_TOKEN=... -v congdoan-data:/app/data congdoan-bot
# Without DATABASE_URL the bot keeps an embedded PGlite database in /app/data (a volume).
#
# The bot runs its TypeScript sources directly through tsx: there is no JS build step. Prisma's
# native engines are never needed: the client is generated without them (scripts/prisma-generate.mjs)
# and the bot migrates its database with the WebAssembly schema engine (src/db/schema-engine.ts).

# Node 22 LTS: satisfies engines (>=20.19) and Prisma 7 (^22.12). Pinned to the major version.
ARG NODE_IMAGE=node:22-slim

# ---------------------------------------------------------------------------------------------
# deps: every dependency, dev ones included (TypeScript for the check stage).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# `npm ci` runs the postinstall script (prisma generate), which needs prisma/ and scripts/.
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY scripts ./scripts
# PRISMA_SCHEMA_ENGINE_BINARY (only for this command): @prisma/engines' own postinstall would
# otherwise download a native schema engine that the bot never runs; any existing file makes it
# skip the download, as in scripts/prisma-generate.mjs.
RUN --mount=type=cache,target=/root/.npm \
    PRISMA_SCHEMA_ENGINE_BINARY=/app/scripts/prisma-generate.mjs npm ci --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# check: type-checks the whole project. The final stage copies a file from here, so that
# `docker build .` fails when the sources do not type-check.
FROM deps AS check
COPY . .
RUN npm run typecheck && touch /tmp/typecheck-passed

# ---------------------------------------------------------------------------------------------
# runtime: production dependencies only. tsx (runs the sources) and prisma (the postinstall
# generates the client with it) are regular dependencies for that reason.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN --mount=type=cache,target=/root/.npm \
    PRISMA_SCHEMA_ENGINE_BINARY=/app/scripts/prisma-generate.mjs npm ci --omit=dev --no-audit --no-fund
# src/generated/prisma, made by the postinstall above, stays: .dockerignore keeps the host's copy out.
COPY src ./src
COPY locales ./locales
COPY prisma.config.ts tsconfig.json ./
COPY --from=check /tmp/typecheck-passed /tmp/typecheck-passed

# Data folder for the embedded PGlite database (used when DATABASE_URL is unset). It is created
# here, owned by the unprivileged `node` user of the base image, so that a new named volume
# mounted on it inherits that owner. The application files stay root-owned and read-only to it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
# No npm update notice on `docker compose run --rm bot npm run cli -- ...` (npm is in the base image).
# PORT: the HTTP server (GET /healthz, and the Telegram webhook when TELEGRAM_WEBHOOK_URL is set).
# WEB_CHAT_PORT: the demo web chat (only without TELEGRAM_BOT_TOKEN, or with WEB_CHAT=true). It listens on the
# container's loopback unless WEB_CHAT_HOST=0.0.0.0 and WEB_CHAT_PASSWORD are set; its own port keeps it apart from PORT.
ENV DATA_DIR=/app/data \
    PORT=8080 \
    WEB_CHAT_PORT=8081 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
USER node
EXPOSE 8080 8081

# The bot applies its pending database migrations itself at start (WebAssembly schema engine), then
# starts the job queue and long polling; the operator CLI migrates first too. There is no separate
# migration step: `docker compose run --rm bot npm run cli -- load-demo` works on a new database.
#
# The health check asks the bot's own /healthz, which fails while the database is unreachable. The first
# start on a new embedded database takes a while (PGlite initdb, migrations): hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
#
# On SIGTERM the bot stops polling, lets the job queue finish (up to 8 s) and closes the database:
# give it a stop timeout above 10 s (compose.yaml: stop_grace_period: 30s; docker stop -t 30).
# Node is started directly, with no npm or shell in between to swallow the signal. Run it under an
# init (compose.yaml: init: true; docker run --init): as PID 1 itself, Node would ignore a SIGTERM
# that arrives before the bot has installed its handler, e.g. during migrations.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
