// npm run demo [-- --keep] [--dir <dir>] [--quiet] [--summary-json <file>]
//
// Modelship end to end on your machine, with no Docker and no cloud: a real Kubernetes control plane and a
// local kubelet (proving-ground), the operator installed by the real helm, a scikit-learn model served,
// rolled forward as a canary under traffic, and a broken version rolled back by itself. See README.md.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../proving-ground/cluster.ts';
import { runDemo } from './demo/run.ts';

const usage = `usage: npm run demo [-- options]
  --keep                 leave the cluster running at the end (prints export KUBECONFIG=...)
  --dir <dir>            where the cluster and the demo's files live (default .cache/demo)
  --quiet                fewer detail lines
  --summary-json <file>  also write the results as JSON`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      dir: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'summary-json': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

// Ctrl-C: runDemo's cleanup stops the cluster (unless --keep); a second Ctrl-C leaves at once, and the
// cluster's guardian process still stops everything the demo started.
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.log('\ninterrupted: stopping (Ctrl-C again to leave at once)');
  process.exitCode = 130;
  abort.abort();
});
const abort = new AbortController();

const summary = await runDemo({
  dir: resolve(values.dir ?? resolve(REPO_ROOT, '.cache', 'demo')),
  keep: values.keep,
  quiet: values.quiet,
  signal: abort.signal,
  ...(values['summary-json'] ? { summaryPath: resolve(values['summary-json']) } : {}),
});
process.exit(interrupted ? 130 : summary.ok ? 0 : 1);
