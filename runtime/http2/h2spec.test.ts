// HTTP/2 conformance of the runtime's own server (RFC 9113 and RFC 7541, HPACK), checked by h2spec
// (github.com/summerwind/h2spec), an independent implementation's view of the protocol, with all of its
// cases (--strict). The server runs in this process with a plain handler that answers every request once
// the request has ended, as any HTTP server would; h2spec drives it over loopback.
//
// h2spec is built from its Go module on first use and cached (proving-ground/h2spec/build-h2spec.ts), here
// in the test rather than in `pretest`: `npm run test:unit`, which CI runs on its own, never runs `pretest`,
// and the build takes seconds, so only the first run on a machine pays for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureH2spec } from '../../proving-ground/h2spec/build-h2spec.ts';
import { H2Server } from './h2-server.ts';
import { encodeHeaderBlock } from './hpack-encoder.ts';

const run = promisify(execFile);

/** h2spec's own per-case timeout, in seconds: how long it waits for an expected frame or close. */
const CASE_TIMEOUT_S = 2;
/** h2spec v2.2.1 has 146 cases with --strict; fewer passing means a run that did not really happen. */
const MIN_PASSED = 140;
/** Cold: the Go module download and build (minutes on a busy 2-core machine); warm: well under a second. */
const BUILD_AND_RUN_TIMEOUT_MS = 15 * 60_000;

const HEADERS = encodeHeaderBlock([
  [':status', '200'],
  ['content-type', 'text/plain'],
]);
const TRAILERS = encodeHeaderBlock([]);
/** At least 5 octets: h2spec skips its negative flow-control window case (6.9.2/2) for shorter answers. */
const BODY = Buffer.from('answered by runtime/http2\n');

interface CaseResult {
  id: string;
  title: string;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  detail: string;
}

describe('HTTP/2 conformance (h2spec --strict)', () => {
  let server: H2Server;
  let port: number;
  let workDir: string;
  const unexpected: unknown[] = [];

  before(async () => {
    server = new H2Server({
      maxConcurrentStreams: 100,
      maxHeaderListBytes: 16 * 1024,
      receiveWindow: 65_535,
      onStream: (stream) => {
        stream.onEnd = () => stream.answer(HEADERS, BODY, TRAILERS);
      },
      onUnexpected: (error) => unexpected.push(error),
    });
    port = await server.listen('127.0.0.1', 0);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'h2spec-'));
  });
  after(async () => {
    server.stopAccepting();
    for (const connection of server.connections) connection.destroy();
    await rm(workDir, { recursive: true, force: true });
  });

  test('every case passes, none skipped', { timeout: BUILD_AND_RUN_TIMEOUT_MS }, async () => {
    const h2spec = await ensureH2spec((line) => process.stderr.write(`# ${line}\n`));
    const report = path.join(workDir, 'junit.xml');
    const args = ['--strict', '-o', String(CASE_TIMEOUT_S), '-h', '127.0.0.1', '-p', String(port), '-j', report];
    // h2spec exits non-zero when a case fails; the report says which, so it is read either way.
    const summary = await run(h2spec, args, { timeout: BUILD_AND_RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => lastLine(stdout),
      (error: Error & { stdout?: string; stderr?: string }) => `${lastLine(error.stdout ?? '')} (${error.stderr?.trim() || error.message})`,
    );
    const cases = parseJUnitReport(await readFile(report, 'utf8'));
    const named = (...outcomes: CaseResult['outcome'][]): string[] =>
      cases.filter((c) => outcomes.includes(c.outcome)).map((c) => `${c.id} ${c.title}${c.detail ? `: ${c.detail}` : ''}`);
    // Both at once: h2spec v2.2.1 writes a case whose expectation was not met as <error>, not <failure> (its
    // JUnit reporter matches the error's type by value, but the error is a pointer), so either means failed.
    assert.deepEqual(named('failed', 'error'), [], `h2spec failures and errors (${summary})`);
    assert.deepEqual(named('skipped'), [], `h2spec skipped cases (${summary})`);
    const passed = cases.filter((c) => c.outcome === 'passed').length;
    assert.ok(passed >= MIN_PASSED, `only ${passed} cases passed, expected at least ${MIN_PASSED} (${summary})`);
    assert.deepEqual(unexpected, []);
  });
});

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * The cases of h2spec's JUnit report. A few patterns rather than an XML library (the project has none of
 * its own): the report comes from one pinned h2spec version, flat, and only its <testcase> elements and
 * their outcome children matter. The testsuite totals are checked against what was parsed, so a report
 * these patterns misread fails the test instead of passing it.
 */
function parseJUnitReport(xml: string): CaseResult[] {
  const cases: CaseResult[] = [];
  let declared = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const suite of xml.matchAll(/<testsuite\b([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const attrs = attributes(suite[1] ?? '');
    declared = {
      tests: declared.tests + Number(attrs.tests),
      failures: declared.failures + Number(attrs.failures),
      errors: declared.errors + Number(attrs.errors),
      skipped: declared.skipped + Number(attrs.skipped),
    };
    let index = 0;
    for (const testcase of (suite[2] ?? '').matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      index += 1;
      const { classname = '' } = attributes(testcase[1] ?? '');
      cases.push({ id: `${attrs.package}/${index}`, title: classname, ...outcomeOf(testcase[2] ?? '') });
    }
  }
  const count = (outcome: CaseResult['outcome']): number => cases.filter((c) => c.outcome === outcome).length;
  const parsed = { tests: cases.length, failures: count('failed'), errors: count('error'), skipped: count('skipped') };
  assert.deepEqual(parsed, declared, 'the cases read from the JUnit report do not add up to its testsuite totals');
  return cases;
}

function outcomeOf(body: string): Pick<CaseResult, 'outcome' | 'detail'> {
  const child = /<(failure|error|skipped)\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1>)/.exec(body);
  if (!child) return { outcome: 'passed', detail: '' };
  const outcome = child[1] === 'failure' ? 'failed' : (child[1] as 'error' | 'skipped');
  return { outcome, detail: unescapeXml(child[2] ?? '').replace(/\s+/g, ' ').trim() };
}

function attributes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], unescapeXml(m[2] ?? '')]));
}

function unescapeXml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return named[entity] ?? whole;
  });
}
