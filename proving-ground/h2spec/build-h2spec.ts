// Builds (once) and caches h2spec, the HTTP/2 conformance checker (github.com/summerwind/h2spec), the way
// metrics-server/build-metrics-server.ts builds metrics-server (lib/go-command.ts says how).
//
// h2spec v2.2.1 predates Go modules (it pins its dependencies with dep's Gopkg.lock, at commits the proxy no
// longer serves), so `go install ...@v2.2.1+incompatible` would take whatever versions of x/net and cobra are
// newest on the day it runs. The build instead runs in a writable copy given the go.mod below, which pins the
// versions that were checked against runtime/http2 (and that `go install` chose then); the rest follows
// from their go.mod files, so every build of one key compiles the same sources.
//
// Usage as a script: node proving-ground/h2spec/build-h2spec.ts  (prints the binary's path)
import { cachedGoCommand, runAsScript } from '../lib/go-command.ts';

const MODULE = 'github.com/summerwind/h2spec';
export const H2SPEC_VERSION = 'v2.2.1+incompatible';
const GO_MOD = `module ${MODULE}

go 1.26.0

require (
	github.com/fatih/color v1.19.0
	github.com/spf13/cobra v1.10.2
	golang.org/x/net v0.62.0
)
`;
/** The h2spec binary's path, built on first use. */
export const ensureH2spec = cachedGoCommand({
  name: 'h2spec',
  module: MODULE,
  version: H2SPEC_VERSION,
  pkg: './cmd/h2spec',
  goMod: GO_MOD,
  recipe: 'v1 CGO_ENABLED=0 -trimpath -ldflags=-s -w ./cmd/h2spec, pinned go.mod',
});

await runAsScript(import.meta.url, ensureH2spec);
