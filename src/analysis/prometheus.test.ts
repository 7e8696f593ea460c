import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { ExpositionParseError, parseExposition } from './prometheus.ts';

describe('parseExposition', () => {
  test('reads HELP, TYPE and samples with labels, and groups a histogram\'s series under its family', () => {
    const text = [
      '# HELP http_requests_total Requests. Escaped \\\\ backslash and \\n newline.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3',
      '# TYPE latency histogram',
      'latency_bucket{le="0.1"} 2',
      'latency_bucket{le="+Inf"} 5',
      'latency_sum 1.5e-1',
      'latency_count 5',
      '',
    ].join('\n');
    const families = parseExposition(text);
    const requests = families.get('http_requests_total');
    assert.equal(requests?.type, 'counter');
    assert.equal(requests?.help, 'Requests. Escaped \\ backslash and \n newline.');
    assert.deepEqual(requests?.samples[0], { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027, timestampMs: 1395066363000 });
    assert.equal(requests?.samples[1]?.value, 3);
    const latency = families.get('latency');
    assert.equal(latency?.type, 'histogram');
    assert.deepEqual(latency?.samples.map((s) => s.name), ['latency_bucket', 'latency_bucket', 'latency_sum', 'latency_count']);
    assert.equal(latency?.samples[2]?.value, 0.15);
  });

  test('unescapes label values and accepts a trailing comma and spaces inside the braces', () => {
    const families = parseExposition('m{ path="C:\\\\dir\\"x\\"" , msg="a\\nb", } 1\n');
    assert.deepEqual(families.get('m')?.samples[0]?.labels, { path: 'C:\\dir"x"', msg: 'a\nb' });
  });

  test('reads the special values NaN, +Inf and -Inf', () => {
    const s = parseExposition('a NaN\nb +Inf\nc -Inf\nd -0.5\ne .5E+3\n');
    assert.ok(Number.isNaN(s.get('a')?.samples[0]?.value));
    assert.equal(s.get('b')?.samples[0]?.value, Infinity);
    assert.equal(s.get('c')?.samples[0]?.value, -Infinity);
    assert.equal(s.get('d')?.samples[0]?.value, -0.5);
    assert.equal(s.get('e')?.samples[0]?.value, 500);
  });

  test('ignores plain comments and blank lines, and treats a sample without TYPE as untyped', () => {
    const s = parseExposition('# just a comment\n\n  \nfoo 1\n');
    assert.equal(s.get('foo')?.type, 'untyped');
  });

  test('rejects malformed lines with the line number', () => {
    for (const bad of ['m{a="1"', 'm{a=1} 2', 'm{a="1",a="2"} 3', 'm 0x10', 'm', 'm{a="\\t"} 1', '# TYPE m bogus', 'm 1 2 3']) {
      assert.throws(() => parseExposition(`ok 1\n${bad}\n`), (err: unknown) => err instanceof ExpositionParseError && err.line === 2, bad);
    }
  });

  test('reads what prom-client writes, the way the runtime serves it', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'modelship_requests_total', help: 'h', labelNames: ['model', 'version', 'protocol', 'code'], registers: [registry] });
    counter.inc({ model: 'm "x"', version: '1', protocol: 'v2', code: '200' }, 7);
    const hist = new Histogram({ name: 'modelship_request_duration_seconds', help: 'h', labelNames: ['model'], buckets: [0.01, 0.1], registers: [registry] });
    hist.observe({ model: 'm' }, 0.05);
    const families = parseExposition(await registry.metrics());
    assert.deepEqual(families.get('modelship_requests_total')?.samples[0]?.labels, { model: 'm "x"', version: '1', protocol: 'v2', code: '200' });
    assert.equal(families.get('modelship_requests_total')?.samples[0]?.value, 7);
    const buckets = families.get('modelship_request_duration_seconds')?.samples.filter((s) => s.name.endsWith('_bucket'));
    assert.deepEqual(buckets?.map((s) => [s.labels.le, s.value]), [['0.01', 0], ['0.1', 1], ['+Inf', 1]]);
  });
});
