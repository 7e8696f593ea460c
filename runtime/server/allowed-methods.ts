/**
 * Which methods each known path takes, so that a known path asked with the wrong method gets 405 with an
 * `Allow` header (RFC 9110) rather than a 404 that suggests the path does not exist.
 */

const POST_ONLY = ['POST'];
const GET_ONLY = ['GET', 'HEAD'];

const PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?\/infer$/, POST_ONLY],
  [/^\/v1\/models\/[^/]+:predict$/, POST_ONLY],
  [/^\/v2(?:\/health\/(?:live|ready))?$/, GET_ONLY],
  [/^\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?(?:\/ready)?$/, GET_ONLY],
  [/^\/v1\/models\/[^/:]+$/, GET_ONLY],
  [/^\/(?:metrics|openapi\.json)$/, GET_ONLY],
];

/** The methods `path` takes; undefined for paths the runtime does not serve at all. */
export function allowedMethods(path: string): readonly string[] | undefined {
  return PATHS.find(([pattern]) => pattern.test(path))?.[1];
}
