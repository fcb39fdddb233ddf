# syntax=docker/dockerfile:1
# Production image of Tradekeel: one Node process (custom server: Next + Socket.IO + engine).
# Build: docker build -t tradekeel .    Run: see compose.yaml (PostgreSQL/TimescaleDB, Prometheus, Grafana).

ARG NODE_VERSION=22-bookworm-slim

# ---- dependencies (with dev dependencies: the build needs them) ----
FROM node:${NODE_VERSION} AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
# No install scripts (the same decision as package.json "allowScripts"); the Prisma client is generated offline below.
RUN npm ci --ignore-scripts

# ---- build: Prisma client + Next production build ----
FROM deps AS build
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf .next/cache e2e tests bench test-results playwright-report

# ---- runtime ----
FROM node:${NODE_VERSION} AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 tradekeel \
 && useradd --system --uid 10001 --gid tradekeel --home-dir /app --shell /usr/sbin/nologin tradekeel \
 && mkdir -p /data && chown tradekeel:tradekeel /data
COPY --from=build --chown=root:root /app /app
USER tradekeel
VOLUME ["/data"]
EXPOSE 3000
# /api/health answers 200 once the engine runs (503 while starting or when the database is down).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tsx runs the TypeScript server directly (as npm start does, without the build check: the image is built).
CMD ["node_modules/.bin/tsx", "server/index.ts"]
