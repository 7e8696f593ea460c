// A ModelDeployment that has converged costs the API server nothing: over a
// minute, with a full resync every 10 seconds, the operator makes no write at
// all (children, status, Events), counted from the API server's audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterForSuite, createNamespace } from '../../proving-ground/test-cluster.ts';
import { delay } from '../../proving-ground/lib/wait.ts';
import { adminClient, applyModelDeployment, condition, eventually, getMd, installCrds, OperatorProcess, operatorWrites } from './harness.ts';

const NS = 'steady';
const QUIET_MS = Number(process.env.MODELSHIP_STEADY_MS ?? 60_000);

describe('a steady-state ModelDeployment', () => {
  let op: OperatorProcess | undefined;
  after(async () => {
    await op?.stop();
  });
  const suite = clusterForSuite({ nodes: 1 });

  before(async () => {
    await installCrds(suite.cluster);
    await createNamespace(suite.cluster, NS);
    op = await OperatorProcess.start(suite.cluster, { name: 'steady', args: ['--resync-period=10s'] });
  });

  test(`causes zero API writes by the operator over ${QUIET_MS / 1000}s, resyncs included`, async () => {
    const { cluster } = suite;
    const client = adminClient(cluster);
    await applyModelDeployment(cluster, 'plain', NS, { model: { version: '1', uri: 's3://models/a/1/model.onnx' }, replicas: 2 });
    await applyModelDeployment(cluster, 'scaled', NS, {
      model: { version: '7', uri: 'https://models.example/b.onnx', sha256: 'a'.repeat(64) },
      runtime: { threads: 2, resources: { requests: { cpu: '0.5', memory: '256Mi' } }, env: [{ name: 'X', value: '1' }] },
      autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 },
    });
    for (const name of ['plain', 'scaled']) {
      await eventually(`${name} to be Ready`, async () => condition(await getMd(client, NS, name), 'Ready') === 'True', op);
    }
    // Let the last status write and the HPA's first sync settle.
    await delay(20_000);
    const reconcilesBefore = (await op!.metric('controller_runtime_reconcile_total', 'result="success"')) ?? 0;
    const since = new Date();
    await delay(QUIET_MS);
    const writes = operatorWrites(cluster, since);
    const reconciles = ((await op!.metric('controller_runtime_reconcile_total', 'result="success"')) ?? 0) - reconcilesBefore;
    assert.ok(reconciles >= 2 * Math.floor(QUIET_MS / 15_000), `the resync ran (${reconciles} reconciles)`);
    assert.deepEqual(
      writes.map((w) => `${w.verb} ${w.objectRef?.resource}/${w.objectRef?.subresource ?? ''} ${w.objectRef?.name}`),
      [],
      'no writes while nothing changes',
    );
  });
});
