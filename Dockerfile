# syntax=docker/dockerfile:1
# patient-idp: Node 24 runs the TypeScript sources directly (native type stripping), no build step.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund \
  && npm cache clean --force

FROM node:24-slim
# Memory settings as in package.json's start script (README "Memory").
ENV NODE_ENV=production \
    PORT=3000 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Sources stay owned by root (read-only for the app); see .dockerignore for what is left out.
COPY . .
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=8", "src/main.ts"]
