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
ENV NODE_ENV=production DATA_DIR=/data
# An 8 MB young generation and a 256 MB old one keep the heap near what the ETL holds (a few
# books at a time) instead of letting V8 grow it to several times that; see README, Performance.
# Override with `-e NODE_OPTIONS=...` (e.g. --max-old-space-size=1024 for a very high CONCURRENCY).
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY sql ./sql
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The scheduler by default; `docker run IMAGE etl | backfill … | report | migrate` for one-off commands.
# --liftoff-only (not allowed in NODE_OPTIONS): embedded PGlite's WebAssembly stays on V8's
# baseline compiler; optimizing it takes ~500 MB for a moment. See README, Performance.
ENTRYPOINT ["node", "--liftoff-only", "dist/cli/entry.js"]
CMD ["start"]
