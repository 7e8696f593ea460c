import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enginesToTry } from './detect-engine.ts';
import { buildCommand, createContainerCommand, engineEnv, inspectImageCommand, parseInspect, probeCommand, pullCommand, removeContainerCommands, removeImageCommand, rootfsCommand } from './engine.ts';
import type { BuildRequest } from './engine.ts';

const request: BuildRequest = {
  dockerfile: '/repo/runtime/Dockerfile',
  context: '/repo',
  tags: ['ghcr.io/modelship/runtime:0.1.0'],
  buildArgs: { VERSION: '0.1.0', BASE_IMAGE: 'localhost/modelship/base:abc' },
  labels: { 'dev.modelship.build.inputs': 'f00' },
  secrets: { ca: '/etc/ssl/certs/ca-certificates.crt' },
};
const tail = [
  '--file', '/repo/runtime/Dockerfile',
  '--tag', 'ghcr.io/modelship/runtime:0.1.0',
  '--build-arg', 'BASE_IMAGE=localhost/modelship/base:abc',
  '--build-arg', 'VERSION=0.1.0',
  '--label', 'dev.modelship.build.inputs=f00',
  '--secret', 'id=ca,src=/etc/ssl/certs/ca-certificates.crt',
  '/repo',
];

test('buildah builds with vfs storage and chroot isolation, in one working container per stage', () => {
  assert.deepEqual(buildCommand({ name: 'buildah' }, request), ['buildah', '--storage-driver', 'vfs', 'bud', '--isolation', 'chroot', ...tail]);
});

test('podman builds with layers, docker under BuildKit', () => {
  assert.deepEqual(buildCommand({ name: 'podman' }, request), ['podman', 'build', '--layers', ...tail]);
  assert.deepEqual(buildCommand({ name: 'docker' }, request), ['docker', 'build', ...tail]);
  assert.deepEqual(engineEnv({ name: 'docker' }), { DOCKER_BUILDKIT: '1' });
  assert.deepEqual(engineEnv({ name: 'buildah' }), {});
});

test('a storage root of its own goes before the subcommand for podman and buildah', () => {
  assert.deepEqual(inspectImageCommand({ name: 'buildah', storageRoot: '/s' }, 'x:1'), [
    'buildah', '--storage-driver', 'vfs', '--root', '/s/root', '--runroot', '/s/run', 'inspect', '--type', 'image', 'x:1',
  ]);
  assert.deepEqual(probeCommand({ name: 'podman', storageRoot: '/s' }), ['podman', '--root', '/s/root', '--runroot', '/s/run', 'info']);
  assert.deepEqual(probeCommand({ name: 'docker' }), ['docker', 'info']);
});

test('buildah mounts a working container; docker and podman export one as a tar', () => {
  assert.deepEqual(createContainerCommand({ name: 'buildah' }, 'x:1'), ['buildah', '--storage-driver', 'vfs', 'from', '--pull-never', 'x:1']);
  assert.deepEqual(rootfsCommand({ name: 'buildah' }, 'c'), { argv: ['buildah', '--storage-driver', 'vfs', 'mount', 'c'], gives: 'mountpoint' });
  assert.deepEqual(removeContainerCommands({ name: 'buildah' }, 'c'), [
    ['buildah', '--storage-driver', 'vfs', 'umount', 'c'],
    ['buildah', '--storage-driver', 'vfs', 'rm', 'c'],
  ]);
  assert.deepEqual(createContainerCommand({ name: 'docker' }, 'x:1'), ['docker', 'create', 'x:1']);
  assert.deepEqual(rootfsCommand({ name: 'podman' }, 'c'), { argv: ['podman', 'export', 'c'], gives: 'tar' });
  assert.deepEqual(removeContainerCommands({ name: 'docker' }, 'c'), [['docker', 'rm', 'c']]);
});

test('a named base is pulled by the engine itself', () => {
  assert.deepEqual(pullCommand({ name: 'buildah' }, 'node:24-bookworm-slim'), ['buildah', '--storage-driver', 'vfs', 'pull', 'node:24-bookworm-slim']);
  assert.deepEqual(pullCommand({ name: 'docker' }, 'node:24-bookworm-slim'), ['docker', 'pull', 'node:24-bookworm-slim']);
});

test('the image a rebuild replaced is removed by id', () => {
  assert.deepEqual(removeImageCommand({ name: 'buildah' }, 'abc'), ['buildah', '--storage-driver', 'vfs', 'rmi', 'abc']);
  assert.deepEqual(removeImageCommand({ name: 'podman' }, 'abc'), ['podman', 'rmi', 'abc']);
  assert.deepEqual(removeImageCommand({ name: 'docker' }, 'abc'), ['docker', 'image', 'rm', 'abc']);
});

test('inspect output gives the image id without its prefix and only the config the kubelet reads', () => {
  const config = { Entrypoint: ['node', '/app/main.mjs'], Cmd: ['--help'], User: '65532:65532', WorkingDir: '/app', Env: ['A=1'] };
  const buildah = JSON.stringify({ FromImageID: 'abc', OCIv1: { config: { ...config, StopSignal: 'SIGTERM' } } });
  assert.deepEqual(parseInspect({ name: 'buildah' }, buildah), { id: 'abc', config });
  const docker = JSON.stringify([{ Id: 'sha256:def', Config: { ...config, Hostname: '', Labels: { a: 'b' } } }]);
  assert.deepEqual(parseInspect({ name: 'docker' }, docker), { id: 'def', config: { ...config, Labels: { a: 'b' } } });
  assert.throws(() => parseInspect({ name: 'podman' }, '[]'), /no image id/);
});

test('the engine order is docker, podman, buildah unless one is asked for', () => {
  assert.deepEqual(enginesToTry({}).map((e) => e.name), ['docker', 'podman', 'buildah']);
  assert.deepEqual(enginesToTry({ MODELSHIP_IMAGE_ENGINE: 'buildah', MODELSHIP_ENGINE_ROOT: '/s' }), [{ name: 'buildah', storageRoot: '/s' }]);
  assert.throws(() => enginesToTry({ MODELSHIP_IMAGE_ENGINE: 'kaniko' }), /not one of docker, podman, buildah/);
});
