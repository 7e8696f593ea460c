// Builds (once) and caches metrics-server from its Go module at the release below, the way
// build-controlplane.ts and flux/build-flux.ts build theirs (lib/go-command.ts says how).
//
// Usage as a script: node proving-ground/metrics-server/build-metrics-server.ts  (prints the binary's path)
import { cachedGoCommand, runAsScript } from '../lib/go-command.ts';

/** The newest release that builds with the Go toolchain of this machine (v0.9.0 was not tried). */
export const METRICS_SERVER_VERSION = 'v0.8.0';

/** The metrics-server binary's path, built on first use. */
export const ensureMetricsServer = cachedGoCommand({
  name: 'metrics-server',
  module: 'sigs.k8s.io/metrics-server',
  version: METRICS_SERVER_VERSION,
  pkg: './cmd/metrics-server',
  recipe: 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w ./cmd/metrics-server',
});

await runAsScript(import.meta.url, ensureMetricsServer);
