/**
 * The shapes of grpc_predict_v2.proto's messages as @grpc/proto-loader hands them over (keepCase, 64-bit
 * integers as strings, absent repeated fields as empty arrays, other absent fields undefined) and as it
 * accepts them for answers (numbers or strings for 64-bit fields, Uint8Array for bytes).
 */

export type Int64 = string | number;

export interface InferParameter {
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
  double_param?: number;
  uint64_param?: Int64;
  parameter_choice?: string;
}

export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Int64[];
  uint_contents?: number[];
  uint64_contents?: Int64[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface InferInputTensor {
  name?: string;
  datatype?: string;
  shape: Int64[];
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents;
}

export interface InferRequestedOutputTensor {
  name?: string;
  parameters?: Record<string, InferParameter>;
}

export interface ModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  inputs: InferInputTensor[];
  outputs: InferRequestedOutputTensor[];
  raw_input_contents: Uint8Array[];
}

export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: InferTensorContents;
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: InferOutputTensor[];
  raw_output_contents: Uint8Array[];
}

/** ModelReady, ModelMetadata, ModelConfig and ModelStatistics requests all name a model this way. */
export interface ModelAddressRequest {
  name?: string;
  version?: string;
}
