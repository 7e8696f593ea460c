import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResourceMetrics } from './resource-metrics.ts';

const sample = {
  timestampMs: 1_700_000_000_123,
  node: { cpuSeconds: 3.5, memoryBytes: 300_000_000 },
  containers: [
    { namespace: 'models', pod: 'iris-b', container: 'runtime', cpuSeconds: 1.25, memoryBytes: 100_000_000, startTimeSeconds: 1_699_999_990 },
    { namespace: 'models', pod: 'iris-a', container: 'sidecar', cpuSeconds: 0.25, memoryBytes: 50_000_000, startTimeSeconds: 1_699_999_980 },
    { namespace: 'models', pod: 'iris-a', container: 'runtime', cpuSeconds: 2, memoryBytes: 150_000_000, startTimeSeconds: 1_699_999_980 },
  ],
  scrapeError: false,
};

function series(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

test('containers, pods and the node are rendered with the kubelet names, labels and millisecond timestamps', () => {
  const text = renderResourceMetrics(sample);
  assert.deepEqual(series(text, 'container_cpu_usage_seconds_total'), [
    'container_cpu_usage_seconds_total{container="runtime",namespace="models",pod="iris-a"} 2 1700000000123',
    'container_cpu_usage_seconds_total{container="sidecar",namespace="models",pod="iris-a"} 0.25 1700000000123',
    'container_cpu_usage_seconds_total{container="runtime",namespace="models",pod="iris-b"} 1.25 1700000000123',
  ]);
  assert.deepEqual(series(text, 'container_memory_working_set_bytes')[0], 'container_memory_working_set_bytes{container="runtime",namespace="models",pod="iris-a"} 150000000 1700000000123');
  assert.deepEqual(series(text, 'container_start_time_seconds')[2], 'container_start_time_seconds{container="runtime",namespace="models",pod="iris-b"} 1699999990 1700000000123');
  assert.deepEqual(series(text, 'pod_cpu_usage_seconds_total'), [
    'pod_cpu_usage_seconds_total{namespace="models",pod="iris-a"} 2.25 1700000000123',
    'pod_cpu_usage_seconds_total{namespace="models",pod="iris-b"} 1.25 1700000000123',
  ]);
  assert.deepEqual(series(text, 'pod_memory_working_set_bytes'), [
    'pod_memory_working_set_bytes{namespace="models",pod="iris-a"} 200000000 1700000000123',
    'pod_memory_working_set_bytes{namespace="models",pod="iris-b"} 100000000 1700000000123',
  ]);
  assert.deepEqual(series(text, 'node_cpu_usage_seconds_total'), ['node_cpu_usage_seconds_total 3.5 1700000000123']);
  assert.deepEqual(series(text, 'node_memory_working_set_bytes'), ['node_memory_working_set_bytes 300000000 1700000000123']);
  assert.deepEqual(series(text, 'resource_scrape_error'), ['resource_scrape_error 0']);
});

test('every family has its HELP and TYPE, and the text ends with a newline', () => {
  const text = renderResourceMetrics(sample);
  assert.ok(text.endsWith('\n'));
  assert.match(text, /^# TYPE container_cpu_usage_seconds_total counter$/m);
  assert.match(text, /^# TYPE container_memory_working_set_bytes gauge$/m);
  assert.match(text, /^# HELP node_cpu_usage_seconds_total \[STABLE\] /m);
  assert.equal(text.match(/^# TYPE /gm)?.length, 8);
});

test('label values are escaped and a scrape error is reported as 1', () => {
  const text = renderResourceMetrics({
    ...sample,
    containers: [{ namespace: 'n', pod: 'p"q', container: 'a\\b\nc', cpuSeconds: 1, memoryBytes: 1, startTimeSeconds: 1 }],
    scrapeError: true,
  });
  assert.deepEqual(series(text, 'container_cpu_usage_seconds_total'), ['container_cpu_usage_seconds_total{container="a\\\\b\\nc",namespace="n",pod="p\\"q"} 1 1700000000123']);
  assert.deepEqual(series(text, 'resource_scrape_error'), ['resource_scrape_error 1']);
});
