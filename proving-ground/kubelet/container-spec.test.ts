import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerArgv, containerEnv, parseImageUser, resolveUser, verifyRunAsNonRoot } from './container-spec.ts';
import { ContainerConfigError } from './env.ts';

const image = { Entrypoint: ['/bin/app'], Cmd: ['--default'], Env: ['PATH=/opt/bin', 'MODE=image'] };
const env = new Map([['NAME', 'world']]);

test('neither command nor args: ENTRYPOINT then CMD', () => {
  assert.deepEqual(containerArgv({ name: 'c' }, image, env), ['/bin/app', '--default']);
});

test('args alone replace CMD and keep ENTRYPOINT; $(VAR) expands', () => {
  assert.deepEqual(containerArgv({ name: 'c', args: ['hello', '$(NAME)', '$(UNKNOWN)'] }, image, env), ['/bin/app', 'hello', 'world', '$(UNKNOWN)']);
});

test('command replaces ENTRYPOINT and drops CMD', () => {
  assert.deepEqual(containerArgv({ name: 'c', command: ['/bin/other'] }, image, env), ['/bin/other']);
  assert.deepEqual(containerArgv({ name: 'c', command: ['/bin/other'], args: ['x'] }, image, env), ['/bin/other', 'x']);
});

test('the pod env wins over the kubelet env, which wins over the image env; PATH defaults', () => {
  assert.deepEqual(containerEnv(image, new Map([['MODE', 'pod']]), { HOSTNAME: 'p' }), { PATH: '/opt/bin', MODE: 'pod', HOSTNAME: 'p' });
  assert.match(containerEnv({}, new Map(), {}).PATH ?? '', /\/usr\/bin/);
});

test('image users: empty is root, numbers are uids, names stay names', () => {
  assert.deepEqual(parseImageUser(undefined), { uid: 0 });
  assert.deepEqual(parseImageUser('65532:65533'), { uid: 65532, gid: 65533 });
  assert.deepEqual(parseImageUser('node'), { username: 'node' });
  assert.deepEqual(parseImageUser('node:staff'), { username: 'node', groupname: 'staff' });
});

const pod = (securityContext: V1Pod['spec'] extends infer S ? (S extends { securityContext?: infer C } ? C : never) : never): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1' },
  spec: { containers: [], securityContext },
});
const container: V1Container = { name: 'app', securityContext: { runAsNonRoot: true } };

test('runAsNonRoot: upstream messages for a named user and for root', () => {
  assert.throws(
    () => verifyRunAsNonRoot(pod({}), container, { username: 'node' }),
    (error: unknown) =>
      error instanceof ContainerConfigError &&
      error.message === 'container has runAsNonRoot and image has non-numeric user (node), cannot verify user is non-root (pod: "p_ns(u-1)", container: app)',
  );
  assert.throws(() => verifyRunAsNonRoot(pod({}), container, { uid: 0 }), /^ContainerConfigError: container has runAsNonRoot and image will run as root \(pod: "p_ns\(u-1\)", container: app\)$/);
  assert.throws(() => verifyRunAsNonRoot(pod({ runAsUser: 0 }), container, { uid: 5 }), /container's runAsUser breaks non-root policy/);
});

test('runAsNonRoot passes a numeric non-root user, or a runAsUser from the pod, and is off unless asked', () => {
  verifyRunAsNonRoot(pod({}), container, { uid: 1000 });
  verifyRunAsNonRoot(pod({ runAsUser: 1000 }), container, { username: 'node' });
  verifyRunAsNonRoot(pod({}), { name: 'app' }, { username: 'node' });
});

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\n';
const group = 'root:x:0:\nstaff:x:50:\n';

test('users resolve as containerd does: runAsUser/runAsGroup win, names through /etc/passwd', () => {
  assert.deepEqual(resolveUser({}, { username: 'node' }, { passwd, group }), { uid: 1000, gid: 1001 });
  assert.deepEqual(resolveUser({}, { username: 'node', groupname: 'staff' }, { passwd, group }), { uid: 1000, gid: 50 });
  assert.deepEqual(resolveUser({}, { uid: 1000 }, { passwd, group }), { uid: 1000, gid: 1001 });
  assert.deepEqual(resolveUser({}, { uid: 4242 }, { passwd, group }), { uid: 4242, gid: 0 });
  assert.deepEqual(resolveUser({ runAsUser: 7, runAsGroup: 8 }, { username: 'node' }, { passwd, group }), { uid: 7, gid: 8 });
  assert.throws(() => resolveUser({}, { username: 'ghost' }, { passwd, group }), /unable to find user ghost/);
});
