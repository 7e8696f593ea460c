# The Modelship operator image, ghcr.io/modelship/operator:<version>. Build from the repository root:
#
#   docker build -t ghcr.io/modelship/operator:0.1.0 .
#
# or `npm run images`, which builds every image with docker, podman or buildah (docs/adr/0005-images.md).
# Behind a TLS-intercepting proxy, hand the build its CA: --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt
# (used only while npm downloads; never stored in the image).

# Any image with Node 24 as `node` on the PATH and npm.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# Production dependencies (what the bundle may import) plus the bundler, at the lock file's version, beside
# them: `npm ci` would otherwise install every dev dependency. No install scripts run.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi && \
    npm ci --omit=dev --ignore-scripts && \
    npm install --prefix /tools --no-save --ignore-scripts \
      "esbuild@$(node -p "require('./package-lock.json').packages['node_modules/esbuild'].version")" && \
    ln -s /tools/node_modules/esbuild node_modules/esbuild
COPY build ./build
COPY src ./src
RUN node build/bundle.ts operator /out

FROM ${BASE_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title="modelship-operator" \
      org.opencontainers.image.description="Kubernetes operator for ML models: model-aware progressive delivery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/modelship/modelship" \
      org.opencontainers.image.licenses="Apache-2.0"
# glibc gives each thread that allocates its own malloc arena and seldom hands freed arena memory back. After
# 1000 ModelDeployments converge, the operator held 191 MiB RSS with two arenas against 210-211 MiB with
# glibc's default, converging as fast (bench/README.md: bench:operator, which runs the bundle with this ENV).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /out ./
# A numeric non-root user, so that the kubelet can verify runAsNonRoot. The chart runs it with a read-only
# root filesystem; the operator writes nothing to disk.
USER 65532:65532
EXPOSE 8080 8081
# Pod specs pass only `args` (operator flags); the entrypoint runs the operator (docs/adr/0001).
# bench:operator reads this line, so it runs the operator with the same Node flags as the image.
ENTRYPOINT ["node", "/app/main.mjs"]
