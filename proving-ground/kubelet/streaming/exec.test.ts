import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitStatus, parseExecQuery } from './exec.ts';
import { statusResponse } from './upgrade.ts';

test('the exec query the API server sends: repeated command words and the channel flags', () => {
  const query = new URLSearchParams('command=sh&command=-c&command=echo+a+b&output=1&error=1');
  assert.deepEqual(parseExecQuery(query), { command: ['sh', '-c', 'echo a b'], stdin: false, stdout: true, stderr: true, tty: false });
});

test('the outcome Status: Success, or NonZeroExitCode with the code where kubectl reads it', () => {
  assert.deepEqual(exitStatus(['true'], 0, null), { metadata: {}, status: 'Success' });
  const failed = exitStatus(['sh', '-c', 'exit 3'], 3, null) as { reason: string; details: { causes: Array<{ reason: string; message: string }> } };
  assert.equal(failed.reason, 'NonZeroExitCode');
  assert.deepEqual(failed.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  const killed = exitStatus(['sleep', '9'], null, 'SIGKILL') as { details: { causes: Array<{ message: string }> } };
  assert.equal(killed.details.causes[0]!.message, '137');
});

test('a refused upgrade is an HTTP answer whose body is a Status the API server passes on', () => {
  const [head, body] = statusResponse(404, 'NotFound', 'pod a/b is not running on this node').split('\r\n\r\n') as [string, string];
  assert.match(head, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}`));
  assert.deepEqual(JSON.parse(body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pod a/b is not running on this node',
    reason: 'NotFound',
    code: 404,
  });
});
