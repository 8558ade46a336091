# syntax=docker/dockerfile:1.7
# One image for all five services, the console, the dev identity provider, the migrator and the key initialiser; compose picks the command.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
# Manifests first so that the dependency layer is cached until a package.json or the lock file changes.
COPY package.json package-lock.json ./
COPY apps/intake/package.json apps/intake/
COPY apps/policy/package.json apps/policy/
COPY apps/notifier/package.json apps/notifier/
COPY apps/broker/package.json apps/broker/
COPY apps/audit/package.json apps/audit/
COPY apps/console/package.json apps/console/
COPY apps/dev-idp/package.json apps/dev-idp/
COPY libs/contracts/package.json libs/contracts/
COPY libs/domain/package.json libs/domain/
COPY libs/platform/package.json libs/platform/
COPY libs/testing/package.json libs/testing/
COPY libs/policy-files/package.json libs/policy-files/
COPY libs/sdk/package.json libs/sdk/
COPY apps/cli/package.json apps/cli/
# npm install, not npm ci: the lock file lacks other platforms' optional packages (STACK.md).
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /app/.data

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs ./libs
COPY --from=build /app/apps ./apps
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/config ./config
COPY --from=build /app/policies ./policies
# The data volume (demo keys, dev issuer) is initialised from this directory, so it must belong to `node`.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3001 3002 3003 3004 3005 3006 3007
CMD ["node", "apps/intake/dist/main.js"]
