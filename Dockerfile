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
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]
