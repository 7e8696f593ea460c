// The reference of the metrics-server image `npm run images` builds (Dockerfile beside this file). Tagged
// with the upstream release its binary was built from; the ghcr.io/modelship name says it is built here.
import { METRICS_SERVER_VERSION } from './build-metrics-server.ts';

export const METRICS_SERVER_IMAGE = `ghcr.io/modelship/metrics-server:${METRICS_SERVER_VERSION}`;
