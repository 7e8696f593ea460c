// spec.model: which model file to serve, where it comes from and how it is checked.

import { Type } from '@sinclair/typebox';
import { LABEL_VALUE, ObjectName, cel, validations } from './rules.ts';

export const ModelSourceSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        description:
          'Name the model is served under, as in /v2/models/<name>/infer. Defaults to the ModelDeployment\'s metadata.name. ' +
          'Alphanumerics, "-", "_" and ".", at most 63 characters.',
        minLength: 1,
        maxLength: 63,
        ...validations(
          cel(`self.matches(r'${LABEL_VALUE}')`, 'must consist of letters, digits, "-", "_" or "." and start and end with a letter or digit'),
        ),
      }),
    ),
    version: Type.String({
      description:
        'Version of the model that should be serving. Changing it (or the uri) starts a rollout using spec.rollout. ' +
        'It becomes the modelship.io/version label, so it follows label-value rules: at most 63 characters, ' +
        'letters, digits, "-", "_" and ".", starting and ending with a letter or digit. Quote numbers: version: "3".',
      minLength: 1,
      maxLength: 63,
      ...validations(
        cel(
          `self.matches(r'${LABEL_VALUE}')`,
          'must be a valid label value: letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
        ),
      ),
    }),
    uri: Type.String({
      description:
        'Where the runtime fetches the ONNX model from: https://host/path/model.onnx, s3://bucket/key, ' +
        'pvc://<claim>/<path inside the claim>, or file:///<absolute path inside the runtime container> (a model ' +
        'baked into an image built from the runtime image, set as spec.runtime.image).',
      minLength: 1,
      maxLength: 2048,
      ...validations(
        cel(`self.matches(r'^(https|s3|pvc|file)://')`, 'must start with https://, s3://, pvc:// or file://'),
        cel(`!self.startsWith('https://') || self.matches(r'^https://[^/\\s]+(/\\S*)?$')`, 'https URIs must look like https://host/path/model.onnx'),
        cel(
          `!self.startsWith('s3://') || self.matches(r'^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\\S+$')`,
          's3 URIs must name a bucket and a key: s3://bucket/path/to/model.onnx',
        ),
        cel(
          `!self.startsWith('pvc://') || self.matches(r'^pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/\\S+$')`,
          'pvc URIs must name a claim and a path inside it: pvc://claim-name/path/to/model.onnx',
        ),
        cel(`!self.startsWith('file://') || self.matches(r'^file:///\\S+$')`, 'file URIs must hold an absolute path: file:///models/model.onnx'),
      ),
    }),
    sha256: Type.Optional(
      Type.String({
        description:
          'Expected SHA-256 of the model file, as 64 lowercase hex characters (sha256sum output). When set, a file that ' +
          'does not match is never served: the revision fails and, during a rollout, is rolled back.',
        maxLength: 64,
        ...validations(cel(`self.matches(r'^[0-9a-f]{64}$')`, 'must be 64 lowercase hexadecimal characters, as printed by sha256sum')),
      }),
    ),
    credentialsSecret: Type.Optional(
      ObjectName(
        'Secret in the same namespace with credentials for fetching the model; its keys become environment variables of ' +
          'the fetch. For s3://, the standard AWS variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and optionally ' +
          'AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL_S3. Only used with s3:// and https://.',
      ),
    ),
  },
  {
    description: 'The model to serve: what it is called, which version, and where its file lives.',
    ...validations(
      cel(
        `!has(self.credentialsSecret) || self.uri.startsWith('s3://') || self.uri.startsWith('https://')`,
        'credentialsSecret is only used with s3:// and https:// URIs; pvc:// and file:// models need no credentials',
        { fieldPath: '.credentialsSecret', reason: 'FieldValueForbidden' },
      ),
    ),
  },
);
