# syntax=docker/dockerfile:1
# The Modelship operator image: ghcr.io/modelship/operator:<version>.
#
#   docker build -t ghcr.io/modelship/operator:0.1.0 .
#
# The runtime image is built from runtime/Dockerfile. Both build from the repository root.
# Pod specs set only `args`; the entrypoint below runs the operator (docs/adr/0001).

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY runtime ./runtime
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Production dependencies only; install scripts are not needed by the operator (and onnxruntime-node's
# would download CUDA libraries).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="modelship-operator" \
      org.opencontainers.image.description="Kubernetes operator for ML models: model-aware progressive delivery" \
      org.opencontainers.image.source="https://github.com/modelship/modelship" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# A numeric non-root user, so that runAsNonRoot can be verified by the kubelet. The chart runs the same
# uid with a read-only root filesystem; nothing under /app is writable.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/src/main.js"]
