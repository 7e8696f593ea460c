import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelSignature } from '../model/signature.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { parseV2InferRequest } from '../protocol/v2-infer-request.ts';
import { encodeV2InferResponse } from '../protocol/v2-infer-response.ts';
import type { EncodedResponse } from '../protocol/v2-infer-response.ts';
import type { Tensor } from '../tensor/datatypes.ts';
import { encodeV1Predictions, parseV1PredictRequest } from '../protocol/v1-predict.ts';
import type { RuntimeContext } from './context.ts';
import { readBody } from './read-body.ts';
import type { BodyWatcher } from './read-body.ts';
import { BinaryHeaderCheck } from './binary-header-check.ts';
import { GUARD_FROM_BYTES, JsonGuard } from './json-guard.ts';
import type { RequestLimits } from '../protocol/request-limits.ts';
import { JudgedRequest } from './judged-request.ts';
import { errorAnswer, sendError, sendJson } from './respond.ts';
import { checkModelAddress } from './model-address.ts';
import type { DecodedRequest, DecodeJob, EncodedAnswer, EncodeJob } from '../codec/codec-jobs.ts';
import { freeWholeBuffer } from '../free-buffer.ts';

/**
 * The two inference endpoints share one path through the process: authorise, find the model, check it is
 * ready, read the body, decode, infer, encode, answer. Requests that reached the model are counted in the
 * metrics the operator's rollout analysis reads, whatever their outcome; the rest (auth failures, unknown
 * models, unreadable or over-limit input, not ready yet) are counted apart, so that nobody can steer a
 * rollout by sending cheap bad requests.
 */

interface Decoded {
  inputs: Record<string, Tensor>;
}

/** What differs between the protocols: how a request body becomes tensors and outputs become an answer. */
interface ProtocolCodec<Request extends Decoded> {
  protocol: DecodeJob['protocol'];
  decode(body: Buffer, req: IncomingMessage, signature: ModelSignature, limits: RequestLimits): Request;
  /** The same decode's answer when the codec thread ran it (codec-thread.ts). */
  fromDecoded(decoded: DecodedRequest): Request;
  /** What the codec thread needs to run `encode`. */
  encodeJob(context: RuntimeContext, request: Request, outputs: Record<string, Tensor>, signature: ModelSignature): EncodeJob;
  /** Where the JSON part of the body ends, for the guard; undefined when it is all JSON. */
  jsonBytes(req: IncomingMessage): number | undefined;
  encode(context: RuntimeContext, request: Request, outputs: Record<string, Tensor>, signature: ModelSignature): EncodedResponse;
}

const V2_CODEC: ProtocolCodec<ReturnType<typeof parseV2InferRequest>> = {
  protocol: 'v2',
  decode: (body, req, signature, limits) => parseV2InferRequest(body, headerValue(req, 'inference-header-content-length'), signature, limits),
  fromDecoded: (decoded) => {
    if (decoded.protocol !== 'v2') throw new Error(`a V2 request was decoded as ${decoded.protocol}`);
    return decoded.request;
  },
  jsonBytes: (req) => {
    const header = headerValue(req, 'inference-header-content-length');
    const bytes = header === undefined ? Number.NaN : Number(header);
    return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
  },
  encode: (context, request, outputs, signature) =>
    encodeV2InferResponse(context.model.name, context.model.version, request, outputs, signature),
  encodeJob: (context, { id, outputs: wanted, binaryOutputs }, outputs, signature) => ({
    protocol: 'v2',
    modelName: context.model.name,
    modelVersion: context.model.version,
    request: { id, outputs: wanted, binaryOutputs },
    outputs,
    signature,
  }),
};

const V1_CODEC: ProtocolCodec<Decoded> = {
  protocol: 'v1',
  decode: (body, _req, signature, limits) => ({ inputs: parseV1PredictRequest(body, signature, limits) }),
  fromDecoded: (decoded) => {
    if (decoded.protocol !== 'v1') throw new Error(`a V1 request was decoded as ${decoded.protocol}`);
    return { inputs: decoded.inputs };
  },
  jsonBytes: () => undefined,
  encode: (_context, _request, outputs, signature) => ({ body: encodeV1Predictions(outputs, signature), jsonLength: undefined }),
  encodeJob: (_context, _request, outputs, signature) => ({ protocol: 'v1', outputs, signature }),
};

export function answerV2Infer(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string, version: string | undefined): void {
  void answerInference(context, req, res, name, version, V2_CODEC);
}

export function answerV1Predict(context: RuntimeContext, req: IncomingMessage, res: ServerResponse, name: string): void {
  void answerInference(context, req, res, name, undefined, V1_CODEC);
}

async function answerInference<Request extends Decoded>(
  context: RuntimeContext,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  version: string | undefined,
  codec: ProtocolCodec<Request>,
): Promise<void> {
  const judged = new JudgedRequest(context, codec.protocol);
  try {
    context.auth?.check(req);
    checkModelAddress(context.model, name, version);
    judged.addressed();
    const signature = context.model.signature;
    if (signature === undefined || context.model.state.phase === 'failed') {
      throw new ProtocolError(503, context.model.notReadyReason() ?? 'model is not ready');
    }
    const request = await receiveAndDecode(context, req, signature, codec);
    judged.reachedModel();
    const outputs = await context.model.infer(request.inputs);
    const encoded = await encode(context, request, outputs, signature, codec);
    if (encoded.jsonLength === undefined) {
      sendJson(res, 200, encoded.body);
    } else {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': encoded.body.length,
        'inference-header-content-length': encoded.jsonLength,
      });
      res.end(encoded.body);
    }
  } catch (error) {
    const answer = errorAnswer(error);
    judged.status = answer.status;
    if (answer.unexpected) context.log.error({ err: error, path: req.url }, 'inference request failed unexpectedly');
    // A connection with a large body left unread cannot carry another request: the answer closes it.
    if (!req.complete && largeBodyLeft(req)) {
      stopReading(req);
      res.setHeader('connection', 'close');
    }
    sendError(res, answer.status, answer.message);
  } finally {
    judged.finish();
  }
}

/**
 * Whether an unread body is too large to read and discard (or of unknown size). Small ones are left to Node,
 * which discards them and keeps the connection alive for the client's next request.
 */
function largeBodyLeft(req: IncomingMessage): boolean {
  const declared = req.headers['content-length'];
  return declared === undefined || !(Number(declared) <= GUARD_FROM_BYTES);
}

/**
 * A request answered before its large body arrived in full (over a limit, or cut off) is not worth reading
 * on: stop reading at once rather than parse and discard the rest of what may be a 64 MiB body. Once the
 * answer is out, the connection is half-closed, giving the client a moment to read the answer before the
 * connection is dropped: closing a socket with unread bytes sends a reset, and a reset that arrives before
 * the client has read the answer discards it unread (a lingering close, as Apache and nginx do).
 *
 * Node's server ends a `connection: close` response by calling the socket's destroySoon(), which would
 * close at once; this socket's destroySoon is replaced by the lingering close, so the answer is written
 * by Node as usual and only the way the connection ends changes.
 */
const UNREAD_LINGER_MS = 1000;

function stopReading(req: IncomingMessage): void {
  req.pause();
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), UNREAD_LINGER_MS).unref();
  };
}

/**
 * Bodies from this size on are decoded on the codec thread. JSON.parse and the typed-array conversion cost
 * about 8-10 ms per MiB here, so a body under it holds the HTTP thread ~10 ms at most; the hop to the thread
 * and back costs a fraction of a millisecond, which only the larger bodies pay (the tiny model's requests
 * are a few hundred bytes, a CNN image in binary 0.6 MB).
 */
export const DECODE_OFF_THREAD_FROM_BYTES = 1024 * 1024;

function decode<Request extends Decoded>(
  context: RuntimeContext,
  req: IncomingMessage,
  body: Buffer,
  signature: ModelSignature,
  codec: ProtocolCodec<Request>,
): Request | Promise<Request> {
  if (body.length < DECODE_OFF_THREAD_FROM_BYTES) {
    try {
      return codec.decode(body, req, signature, context.limits);
    } finally {
      freeDecodedBody(body);
    }
  }
  const headerLength = headerValue(req, 'inference-header-content-length');
  return context.codec
    .decode({ protocol: codec.protocol, body, headerLength, signature, limits: context.limits })
    .then((decoded) => codec.fromDecoded(decoded));
}

/**
 * What was decoded holds no view into the body (binary tensors are copied to aligned buffers, text is parsed
 * into strings), so a large body is garbage once decoded. It is freed there and then: left to the collector,
 * the bodies of CNN-sized requests (0.6 MB each, with their chunks and tensor copies) made V8 run a full
 * collection every 8-12 requests, each pausing the thread that answers probes for milliseconds, because
 * buffers' memory outside the heap counts towards when it collects; a detached buffer's no longer does.
 * Small bodies are left to the collector: detaching costs more than it saves on a few hundred bytes.
 */
const FREE_DECODED_BODY_FROM_BYTES = 64 * 1024;

function freeDecodedBody(body: Buffer): void {
  if (body.byteLength >= FREE_DECODED_BODY_FROM_BYTES) freeWholeBuffer(body);
}

/**
 * A binary-extension header up to this size is checked as soon as it has arrived (binary-header-check.ts),
 * which parses it once more at the end; larger ones (rare: JSON tensors beside binary ones) are left to the
 * JSON guard and the decoder.
 */
const EARLY_HEADER_CHECK_MAX_BYTES = 1024 * 1024;

/**
 * Answers with this many output elements and more are encoded on the codec thread: writing V1 predictions
 * costs about 150 ns an element here (60 ms for 400,000 rows), so smaller answers hold the HTTP thread 10 ms
 * at most.
 */
export const ENCODE_OFF_THREAD_FROM_ELEMENTS = 64 * 1024;

function encode<Request extends Decoded>(
  context: RuntimeContext,
  request: Request,
  outputs: Record<string, Tensor>,
  signature: ModelSignature,
  codec: ProtocolCodec<Request>,
): EncodedResponse | Promise<EncodedAnswer> {
  let elements = 0;
  for (const tensor of Object.values(outputs)) elements += tensor.data.length;
  if (elements < ENCODE_OFF_THREAD_FROM_ELEMENTS) return codec.encode(context, request, outputs, signature);
  return context.codec.encode(codec.encodeJob(context, request, outputs, signature));
}

/** The body, with its watchers, and the request known as still arriving until it is complete. */
/**
 * A large body is read once the large-body gate admits it (large-body-gate.ts) and gives its share back once
 * decoded, when its bytes are no longer held; a small one is read and decoded at once.
 */
async function receiveAndDecode<Request extends Decoded>(
  context: RuntimeContext,
  req: IncomingMessage,
  signature: ModelSignature,
  codec: ProtocolCodec<Request>,
): Promise<Request> {
  const declared = Number(req.headers['content-length'] ?? context.maxBodyBytes);
  const large = largeBodyLeft(req) && declared <= context.maxBodyBytes;
  context.inflight.receiving.add(req);
  let release: (() => void) | undefined;
  let body: Buffer;
  try {
    // Waiting to be admitted counts as receiving: a drain gives it the same short grace as a slow sender.
    if (large) release = await context.largeBodies.admit(declared);
    body = await readBody(req, context.maxBodyBytes, large ? bodyWatchers(context, req, codec.jsonBytes(req), signature) : [], large);
  } catch (error) {
    release?.();
    throw error;
  } finally {
    context.inflight.receiving.delete(req);
  }
  try {
    return await decode(context, req, body, signature, codec);
  } finally {
    release?.();
  }
}

/** For large bodies only: bodies declared small go straight to the decoder (json-guard.ts says why). */
function bodyWatchers(context: RuntimeContext, req: IncomingMessage, jsonBytes: number | undefined, signature: ModelSignature): BodyWatcher[] {
  const watchers: BodyWatcher[] = [new JsonGuard(context.limits, jsonBytes)];
  if (jsonBytes !== undefined && jsonBytes <= EARLY_HEADER_CHECK_MAX_BYTES) {
    const declared = req.headers['content-length'];
    watchers.push(new BinaryHeaderCheck(jsonBytes, declared === undefined ? undefined : Number(declared), signature, context.limits));
  }
  return watchers;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
