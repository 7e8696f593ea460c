// What makes a request's header list malformed (RFC 9113, 8.2 and 8.3), and how repeated fields are joined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HeaderField } from './hpack-decoder.ts';
import { requestHeaders, trailersMalformation } from './request-headers.ts';

const REQUEST: HeaderField[] = [[':method', 'POST'], [':scheme', 'http'], [':path', '/m'], [':authority', 'h']];

test('a well-formed request: pseudo-headers first, repeats joined, cookies with "; "', () => {
  const headers = requestHeaders([...REQUEST, ['x-a', '1'], ['x-a', '2'], ['cookie', 'a=1'], ['cookie', 'b=2'], ['te', 'trailers']]);
  assert.deepEqual({ ...(headers as object) }, { ':method': 'POST', ':scheme': 'http', ':path': '/m', ':authority': 'h', 'x-a': '1, 2', cookie: 'a=1; b=2', te: 'trailers' });
});

test('malformed requests are refused with the reason', () => {
  const cases: [HeaderField[], RegExp][] = [
    [[...REQUEST, ['X-Upper', 'v']], /lower-case token/],
    [[...REQUEST, ['bad name', 'v']], /lower-case token/],
    [[...REQUEST, ['x-v', 'a\r\nb']], /NUL, CR or LF/],
    [[['x-first', 'v'], ...REQUEST], /after a regular header/],
    [[...REQUEST, [':status', '200']], /not a request pseudo-header/],
    [[...REQUEST, [':path', '/again']], /after a regular header|appears twice/],
    [[[':path', '/a'], [':path', '/b'], [':method', 'GET'], [':scheme', 'http']], /appears twice/],
    [[...REQUEST, ['connection', 'keep-alive']], /connection-specific/],
    [[...REQUEST, ['te', 'gzip']], /te may only be/],
    [[[':scheme', 'http'], [':path', '/']], /no :method/],
    [[[':method', 'GET'], [':scheme', 'http'], [':path', '']], /no :scheme or :path/],
    [[...REQUEST, ['content-length', '12x']], /not a number/],
  ];
  for (const [fields, reason] of cases) assert.match(String(requestHeaders(fields)), reason, JSON.stringify(fields));
});

test('trailers: regular fields only', () => {
  assert.equal(trailersMalformation([['grpc-status', '0']]), undefined);
  assert.match(String(trailersMalformation([[':path', '/']])), /pseudo-header/);
  assert.match(String(trailersMalformation([['X-Up', '1']])), /lower-case token/);
  assert.match(String(trailersMalformation([['x', 'a\0b']])), /NUL, CR or LF/);
});
