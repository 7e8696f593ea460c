/**
 * The two inference paths, matched by hand before express sees the request. They carry nearly all traffic,
 * and express's router (layer walk, param decoding, req/res prototype swaps) costs a noticeable share of a
 * small model's per-request CPU. Everything else goes through express.
 */

export type InferenceRoute =
  | { protocol: 'v2'; model: string; version: string | undefined }
  | { protocol: 'v1'; model: string };

const V2_INFER = /^\/v2\/models\/([^/?]+)(?:\/versions\/([^/?]+))?\/infer(?:\?.*)?$/;
const V1_PREDICT = /^\/v1\/models\/([^/?]+):predict(?:\?.*)?$/;

export function matchInferenceRoute(method: string | undefined, url: string | undefined): InferenceRoute | undefined {
  if (method !== 'POST' || url === undefined) return undefined;
  const v2 = V2_INFER.exec(url);
  if (v2 !== null) {
    const model = decode(v2[1]!);
    const version = v2[2] === undefined ? '' : decode(v2[2]);
    if (model === undefined || version === undefined) return undefined;
    return { protocol: 'v2', model, version: v2[2] === undefined ? undefined : version };
  }
  const v1 = V1_PREDICT.exec(url);
  if (v1 !== null) {
    const model = decode(v1[1]!);
    if (model !== undefined) return { protocol: 'v1', model };
  }
  return undefined;
}

/** undefined for malformed escapes: such requests fall through to express, which answers 400. */
function decode(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
