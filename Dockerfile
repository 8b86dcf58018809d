# syntax=docker/dockerfile:1
# Build: compile TypeScript to dist/ with the dev toolchain.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run: production dependencies and compiled JS only, as the image's non-root `node` user.
FROM node:24-slim
# tini is PID 1: it passes SIGTERM/SIGINT on to node and reaps the health checks' exited
# processes, under `docker run`, compose and Kubernetes alike (no `--init` needed; with one,
# docker-init simply sits above tini).
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
# METRICS_FILE: Prometheus metrics after each run, and what `health` reads instead of opening the
# embedded warehouse, which the scheduler holds (PGlite is one process's). Mount /data/metrics
# for node_exporter.
ENV NODE_ENV=production DATA_DIR=/data METRICS_FILE=/data/metrics/orderbook_etl.prom
# An 8 MB young generation and a 256 MB old one keep the heap near what the ETL holds (a few
# books at a time) instead of letting V8 grow it to several times that; see docs/performance.md.
# Override with `-e NODE_OPTIONS=...` (e.g. --max-old-space-size=1024 for a very high CONCURRENCY).
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY sql ./sql
RUN mkdir -p /data/metrics && chown -R node:node /data
USER node
VOLUME ["/data"]
# Fresh data, by `health` (docs/monitoring.md): Docker reserves exit code 2, so critical is
# reported as 1 (unhealthy) and a warning (one late or failed run) as 0. Before the first run no
# market is tried yet: a warning, so a new container is healthy until its first tick. Give
# another --max-age for a CRON_SCHEDULE other than hourly (docker run --health-cmd …).
HEALTHCHECK --interval=5m --timeout=30s --start-period=1m --retries=2 \
  CMD node --liftoff-only dist/cli/entry.js health --max-age 2h; [ $? -lt 2 ]
# The scheduler by default; `docker run IMAGE etl | backfill … | report | migrate | health` for one-off commands.
# --liftoff-only (not allowed in NODE_OPTIONS): embedded PGlite's WebAssembly stays on V8's
# baseline compiler; optimizing it takes ~500 MB for a moment. See docs/performance.md.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--liftoff-only", "dist/cli/entry.js"]
CMD ["start"]
