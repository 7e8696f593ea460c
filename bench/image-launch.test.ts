import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageLaunch } from './image-launch.ts';

test('reads the final stage: ENTRYPOINT node flags and ENV, continuations joined, comments skipped', () => {
  const dockerfile = [
    'FROM base AS build',
    'ENV BUILD_ONLY=1',
    'ENTRYPOINT ["node", "--wrong", "/x.mjs"]',
    'FROM base',
    '# ENV COMMENTED=1',
    'ENV NODE_ENV=production \\',
    '    MALLOC_ARENA_MAX=2',
    'ENTRYPOINT ["node", "--max-semi-space-size=16", "/app/main.mjs"]',
  ].join('\n');
  assert.deepEqual(imageLaunch(dockerfile), {
    nodeFlags: ['--max-semi-space-size=16'],
    env: { NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' },
  });
});

test('refuses what it cannot read rather than running something else', () => {
  assert.throws(() => imageLaunch('FROM base\nENTRYPOINT ["/bin/sh"]'), /no ENTRYPOINT \["node"/);
  assert.throws(() => imageLaunch('FROM base\nENV A="x y"\nENTRYPOINT ["node", "/m.mjs"]'), /unquoted value/);
});

test("the operator's Dockerfile is readable", () => {
  const launch = imageLaunch(readFileSync(join(import.meta.dirname, '..', 'Dockerfile'), 'utf8'));
  assert.equal(launch.env.NODE_ENV, 'production');
});
