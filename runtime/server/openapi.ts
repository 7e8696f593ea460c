import { RUNTIME_VERSION } from '../version.ts';

/** The runtime's own OpenAPI description, served at GET /openapi.json. */

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const modelName = { name: 'model', in: 'path', required: true, schema: { type: 'string' } };
const modelVersion = { name: 'version', in: 'path', required: true, schema: { type: 'string' } };
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });

const inferOperation = {
  summary: 'Run inference (Open Inference Protocol v2, with the binary tensor extension)',
  security: [{}, { bearer: [] }],
  parameters: [
    {
      name: 'Inference-Header-Content-Length',
      in: 'header',
      required: false,
      description: 'Length of the JSON part when binary tensor data follows it',
      schema: { type: 'integer', minimum: 0 },
    },
  ],
  requestBody: {
    required: true,
    content: { ...json('InferRequest'), 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  },
  responses: {
    '200': {
      description: 'Outputs; binary outputs follow the JSON part, whose length Inference-Header-Content-Length gives',
      content: { ...json('InferResponse'), 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    },
    '400': errorResponse('Bad input: unknown name, wrong datatype or shape, non-numeric or out-of-range data, malformed JSON, nesting too deep'),
    '401': errorResponse('Missing or wrong bearer token (when the runtime requires one)'),
    '404': errorResponse('Unknown model or version'),
    '405': errorResponse('Wrong method; the Allow header names the right one'),
    '408': errorResponse('The request took longer to arrive than --request-timeout-seconds'),
    '413': errorResponse('Request body, rows or elements over the limits (--max-body-bytes, --max-request-rows, --max-request-elements); the message names the limit'),
    '429': errorResponse('Inference queue full'),
    '500': errorResponse('Inference failed (or an injected failure)'),
    '503': errorResponse('Model not ready'),
  },
};

const metadataOperation = {
  summary: 'Model metadata: inputs and outputs with datatypes and shapes (-1 = any size)',
  security: [{}, { bearer: [] }],
  responses: {
    '200': { description: 'Metadata', content: json('ModelMetadata') },
    '404': errorResponse('Unknown model or version'),
    '503': errorResponse('Model not loaded'),
  },
};

const configOperation = {
  summary: "Triton's model configuration extension: the model as a Triton config (max_batch_size, input/output dims, instance_group, dynamic_batching)",
  security: [{}, { bearer: [] }],
  responses: {
    '200': { description: 'Model configuration' },
    '404': errorResponse('Unknown model or version'),
    '503': errorResponse('Model not loaded'),
  },
};

const statisticsOperation = {
  summary: "Triton's statistics extension: model_stats with inference/execution counts and success, fail, queue and compute_infer durations (ns)",
  security: [{}, { bearer: [] }],
  responses: { '200': { description: 'Statistics' }, '404': errorResponse('Unknown model or version') },
};

const readyOperation = {
  summary: 'Whether the model serves requests',
  responses: {
    '200': { description: 'Ready', content: json('ModelReady') },
    '404': errorResponse('Unknown model or version'),
    '503': { description: 'Not ready, with the reason', content: json('ModelReady') },
  },
};

const tensorSpec = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string', enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
  },
};

export const OPENAPI_DOCUMENT = JSON.stringify({
  openapi: '3.1.0',
  info: {
    title: 'Modelship runtime',
    version: RUNTIME_VERSION,
    description: 'Serves one ONNX model over the Open Inference Protocol v2 (REST) and the V1 protocol.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
      TensorSpec: tensorSpec,
      ModelMetadata: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          versions: { type: 'array', items: { type: 'string' } },
          platform: { type: 'string' },
          inputs: { type: 'array', items: { $ref: '#/components/schemas/TensorSpec' } },
          outputs: { type: 'array', items: { $ref: '#/components/schemas/TensorSpec' } },
        },
      },
      ModelReady: {
        type: 'object',
        properties: { name: { type: 'string' }, ready: { type: 'boolean' }, reason: { type: 'string' } },
      },
      InferInput: {
        allOf: [
          { $ref: '#/components/schemas/TensorSpec' },
          {
            type: 'object',
            properties: {
              data: { type: 'array', description: 'Row-major, flat or nested; omitted when parameters.binary_data_size says the data follows in binary' },
              parameters: { type: 'object', properties: { binary_data_size: { type: 'integer', minimum: 0 } } },
            },
          },
        ],
      },
      InferRequest: {
        type: 'object',
        required: ['inputs'],
        properties: {
          id: { type: 'string' },
          parameters: { type: 'object', properties: { binary_data_output: { type: 'boolean' } } },
          inputs: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/InferInput' } },
          outputs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, parameters: { type: 'object', properties: { binary_data: { type: 'boolean' } } } },
            },
          },
        },
      },
      InferResponse: {
        type: 'object',
        properties: {
          model_name: { type: 'string' },
          model_version: { type: 'string' },
          id: { type: 'string' },
          outputs: {
            type: 'array',
            items: {
              allOf: [
                { $ref: '#/components/schemas/TensorSpec' },
                {
                  type: 'object',
                  properties: {
                    data: { type: 'array' },
                    parameters: { type: 'object', properties: { binary_data_size: { type: 'integer' } } },
                  },
                },
              ],
            },
          },
        },
      },
      V1PredictRequest: {
        type: 'object',
        description: 'Exactly one of instances (rows) or inputs (columns)',
        properties: {
          instances: { type: 'array', minItems: 1 },
          inputs: { oneOf: [{ type: 'array', minItems: 1 }, { type: 'object', minProperties: 1 }] },
        },
        oneOf: [{ required: ['instances'] }, { required: ['inputs'] }],
      },
      V1PredictResponse: { type: 'object', properties: { predictions: { type: 'array' } } },
    },
  },
  paths: {
    '/v2': { get: { summary: 'Server metadata', responses: { '200': { description: 'Name, version, extensions' } } } },
    '/v2/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'The process is alive' } } } },
    '/v2/health/ready': {
      get: {
        summary: 'Readiness',
        responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready, with the reason' } },
      },
    },
    '/v2/models/{model}': { parameters: [modelName], get: metadataOperation },
    '/v2/models/{model}/versions/{version}': { parameters: [modelName, modelVersion], get: metadataOperation },
    '/v2/models/{model}/ready': { parameters: [modelName], get: readyOperation },
    '/v2/models/{model}/versions/{version}/ready': { parameters: [modelName, modelVersion], get: readyOperation },
    '/v2/models/{model}/config': { parameters: [modelName], get: configOperation },
    '/v2/models/{model}/versions/{version}/config': { parameters: [modelName, modelVersion], get: configOperation },
    '/v2/models/stats': { get: statisticsOperation },
    '/v2/models/{model}/stats': { parameters: [modelName], get: statisticsOperation },
    '/v2/models/{model}/versions/{version}/stats': { parameters: [modelName, modelVersion], get: statisticsOperation },
    '/v2/models/{model}/infer': { parameters: [modelName], post: inferOperation },
    '/v2/models/{model}/versions/{version}/infer': { parameters: [modelName, modelVersion], post: inferOperation },
    '/v1/models/{model}': { parameters: [modelName], get: { ...readyOperation, summary: 'V1 model status' } },
    '/v1/models/{model}:predict': {
      parameters: [modelName],
      post: {
        summary: 'V1 prediction',
        security: [{}, { bearer: [] }],
        requestBody: { required: true, content: json('V1PredictRequest') },
        responses: { ...inferOperation.responses, '200': { description: 'Predictions, one per row', content: json('V1PredictResponse') } },
      },
    },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format' } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
});
