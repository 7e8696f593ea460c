import type { Tensor } from '../tensor/datatypes.ts';
import { jsonTensorDataText } from '../tensor/json-tensor.ts';
import { binaryTensorBytes } from '../tensor/binary-tensor.ts';
import type { ModelSignature } from '../model/signature.ts';
import type { V2InferRequest } from './v2-infer-request.ts';

/**
 * Encodes an Open Inference Protocol v2 infer response. The JSON is assembled as text: numbers are printed
 * straight from typed arrays instead of being copied into JS arrays for JSON.stringify, which is the
 * dominant cost for small models.
 */

export interface EncodedResponse {
  body: string | Buffer;
  /** Set when binary output follows the JSON: the value of `Inference-Header-Content-Length`. */
  jsonLength: number | undefined;
}

export function encodeV2InferResponse(
  modelName: string,
  modelVersion: string,
  request: V2InferRequest,
  outputs: Record<string, Tensor>,
  signature: ModelSignature,
): EncodedResponse {
  const selected = request.outputs ?? signature.outputs.map((spec) => ({ name: spec.name, binary: undefined }));
  const binaryParts: Uint8Array[] = [];
  let json = `{"model_name":${JSON.stringify(modelName)},"model_version":${JSON.stringify(modelVersion)}`;
  if (request.id !== undefined) json += `,"id":${JSON.stringify(request.id)}`;
  json += ',"outputs":[';
  selected.forEach((wanted, index) => {
    const tensor = outputs[wanted.name];
    if (tensor === undefined) throw new Error(`inference returned no output '${wanted.name}'`);
    if (index > 0) json += ',';
    json += `{"name":${JSON.stringify(wanted.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (wanted.binary ?? request.binaryOutputs) {
      const bytes = binaryTensorBytes(tensor.data);
      binaryParts.push(bytes);
      json += `,"parameters":{"binary_data_size":${bytes.byteLength}}}`;
    } else {
      json += `,"data":${jsonTensorDataText(tensor.datatype, tensor.data)}}`;
    }
  });
  json += ']}';
  if (binaryParts.length === 0) return { body: json, jsonLength: undefined };
  const header = Buffer.from(json, 'utf8');
  return { body: Buffer.concat([header, ...binaryParts]), jsonLength: header.byteLength };
}
