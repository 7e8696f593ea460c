# The proving ground's test workload, ghcr.io/modelship/testapp:dev (proving-ground/testapp.ts). Not part of
# the product; built by `npm run images` from the repository root, in the same style as the product images.

ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=ca \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi && \
    npm ci --omit=dev --ignore-scripts && \
    npm install --prefix /tools --no-save --ignore-scripts \
      "esbuild@$(node -p "require('./package-lock.json').packages['node_modules/esbuild'].version")" && \
    ln -s /tools/node_modules/esbuild node_modules/esbuild
COPY build ./build
COPY proving-ground/testapp.ts ./proving-ground/testapp.ts
RUN node build/bundle.ts testapp /out

FROM ${BASE_IMAGE}
ARG VERSION=dev
LABEL org.opencontainers.image.title="modelship-testapp" \
      org.opencontainers.image.description="The Modelship proving ground's test workload" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=build /out ./
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "/app/main.mjs"]
