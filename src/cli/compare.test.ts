import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderComparison } from './compare.ts';
import { renderStatus } from './format.ts';
import { NOW, canaryMd, steadyMd } from '../../test/support/cli-fixtures.ts';
import type { ModelDeployment } from '../api/types.ts';

function heldAbTest(): ModelDeployment {
  const md = canaryMd();
  md.status!.analysis!.measurements!.push({
    time: new Date(NOW - 10_000).toISOString(),
    phase: 'Successful',
    requests: 300,
    errorRate: 0.001,
    p50LatencyMs: 2.5,
    p99LatencyMs: 9,
    stableRequests: 310,
    stableErrorRate: 0,
    stableP50LatencyMs: 2.4,
    stableP99LatencyMs: 8,
    prediction: {
      output: 'label',
      statistic: 'PSI',
      value: 0.031,
      threshold: 0.25,
      candidate: { samples: 300, classes: { '0': 0.31, '1': 0.36, '2': 0.33 } },
      stable: { samples: 310, classes: { '0': 0.33, '1': 0.33, '2': 0.34 } },
    },
  });
  md.status!.analysis!.totals = { requests: 5000, errors: 5, stableRequests: 5100, stableErrors: 0 };
  return md;
}

test('compare puts both revisions\' requests, errors, latency and predictions side by side', () => {
  const text = renderComparison(heldAbTest(), NOW);
  assert.match(text, /^\s+stable v2\s+candidate v3 \(50%\)$/m);
  assert.match(text, /^\s+requests\s+310\s+300$/m);
  assert.match(text, /^\s+error rate\s+0\.00%\s+0\.10%$/m);
  assert.match(text, /^\s+p50 latency\s+2\.4ms\s+2\.5ms$/m);
  assert.match(text, /^\s+p99 latency\s+8\.0ms\s+9\.0ms$/m);
  assert.match(text, /^\s+label = 1\s+33\.00%\s+36\.00%$/m);
  assert.match(text, /prediction shift \(PSI, output label\): 0\.031 \(threshold 0\.25\)$/m);
  assert.match(text, /since analysis began: stable 5100 requests \(0\.00% errors\), candidate 5000 requests \(0\.10% errors\)$/m);
});

test('status shows the same comparison; compare says why there is none without a candidate', () => {
  assert.match(renderStatus(heldAbTest(), [], NOW), /Comparison: \(interval measured 10s ago, Successful\)/);
  assert.equal(renderComparison(steadyMd(), NOW), 'fraud: nothing to compare: no candidate is rolling out\n');
});
