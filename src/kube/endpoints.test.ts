import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickServicePort, readyEndpoints, readyPodEndpoints, type EndpointSlice, type Pod, type Service, type ServicePort } from './endpoints.ts';

const service = (ports: ServicePort[]): Service => ({
  metadata: { name: 'fraud', namespace: 'ml' },
  spec: { ports },
});

test('pickServicePort takes the only port, or the one named http', () => {
  assert.equal(pickServicePort(service([{ port: 80 }])).port, 80);
  assert.equal(pickServicePort(service([{ name: 'grpc', port: 9000 }, { name: 'http', port: 80 }])).port, 80);
});

test('pickServicePort finds a port by name or number and explains a miss', () => {
  const svc = service([{ name: 'grpc', port: 9000 }, { name: 'metrics', port: 9090 }]);
  assert.equal(pickServicePort(svc, 'metrics').port, 9090);
  assert.equal(pickServicePort(svc, '9000').name, 'grpc');
  assert.throws(() => pickServicePort(svc), /has 2 ports \(grpc:9000, metrics:9090\); choose one with --port/);
  assert.throws(() => pickServicePort(svc, 'http'), /has no port http/);
  assert.throws(() => pickServicePort(service([])), /has no ports/);
});

const slice = (over: Partial<EndpointSlice>): EndpointSlice => ({
  metadata: { name: 'fraud-abc', namespace: 'ml' },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: [],
  ...over,
});

test('readyEndpoints keeps ready endpoints and those whose readiness is unset, and drops the rest', () => {
  const eps = readyEndpoints({ name: 'http', port: 80 }, [
    slice({
      endpoints: [
        { addresses: ['127.0.0.5'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'fraud-1' } },
        { addresses: ['127.0.0.6'], conditions: { ready: false, terminating: true } },
        { addresses: ['127.0.0.7'] },
      ],
    }),
  ]);
  assert.deepEqual(eps, [
    { address: '127.0.0.5', port: 8080, hostPort: '127.0.0.5:8080', podName: 'fraud-1' },
    { address: '127.0.0.7', port: 8080, hostPort: '127.0.0.7:8080' },
  ]);
});

test('readyEndpoints uses the slice port named like the Service port, across slices, without duplicates', () => {
  const eps = readyEndpoints({ name: 'http', port: 80 }, [
    slice({ ports: [{ name: 'metrics', port: 9090 }, { name: 'http', port: 8081 }], endpoints: [{ addresses: ['10.0.0.1'] }] }),
    slice({ endpoints: [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.2'] }] }),
    slice({ ports: [{ name: 'other', port: 1 }], endpoints: [{ addresses: ['10.0.0.3'] }] }),
  ]);
  assert.deepEqual(eps.map((e) => e.hostPort), ['10.0.0.1:8081', '10.0.0.2:8080']);
});

test('readyEndpoints matches an unnamed Service port to the unnamed slice port, brackets IPv6 and skips FQDN slices', () => {
  const eps = readyEndpoints({ port: 80 }, [
    slice({ addressType: 'IPv6', ports: [{ port: 8080 }], endpoints: [{ addresses: ['fd00::5'] }] }),
    slice({ addressType: 'FQDN', ports: [{ port: 8080 }], endpoints: [{ addresses: ['example.com'] }] }),
  ]);
  assert.deepEqual(eps, [{ address: 'fd00::5', port: 8080, hostPort: '[fd00::5]:8080' }]);
});

const pod = (name: string, ip: string | undefined, ready: boolean, extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name, namespace: 'ml', ...extra },
  spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

test('readyPodEndpoints keeps ready, running pods and resolves a named targetPort from their containers', () => {
  const eps = readyPodEndpoints({ name: 'http', port: 80, targetPort: 'http' }, [
    pod('a', '10.0.0.1', true),
    pod('b', '10.0.0.2', false),
    pod('c', undefined, true),
    pod('d', '10.0.0.4', true, { deletionTimestamp: '2025-01-01T00:00:00Z' }),
  ]);
  assert.deepEqual(eps, [{ address: '10.0.0.1', port: 8080, hostPort: '10.0.0.1:8080', podName: 'a' }]);
  assert.equal(readyPodEndpoints({ port: 80, targetPort: 9000 }, [pod('a', '10.0.0.1', true)])[0]?.port, 9000);
  assert.equal(readyPodEndpoints({ port: 80 }, [pod('a', '10.0.0.1', true)])[0]?.port, 80);
});
