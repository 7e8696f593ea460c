// Turns a TypeBox schema into a Kubernetes structural schema (apiextensions.k8s.io/v1 JSONSchemaProps):
// drops TypeBox's own keys, rewrites the JSON Schema draft-7 idioms TypeBox emits into their OpenAPI v3.0
// forms, and refuses anything a CRD cannot hold, so mistakes fail `npm run crds`, not `kubectl apply`.
//
// Rewrites: a union of string literals → `type: string` + `enum`; `const` → a one-value `enum`; a Record
// (`patternProperties`) → `additionalProperties`; numeric `exclusiveMinimum`/`exclusiveMaximum` → the
// boolean OpenAPI v3.0 form; `additionalProperties: false` → removed (the API server prunes unknown fields).

export type JSONSchemaProps = { [key: string]: unknown };

/** Keywords apiextensions.k8s.io/v1 JSONSchemaProps accepts (minus $ref/definitions/etc., which CRDs forbid). */
const ALLOWED_KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'default',
  'enum',
  'nullable',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'anyOf',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** TypeBox bookkeeping that must not reach the CRD. Symbol keys ([Kind], [OptionalKind]) vanish on their own. */
const DROPPED_KEYWORDS = new Set(['$id', '$schema', 'title']);

const FORMATS = new Set(['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid', 'duration', 'quantity']);

export class StructuralSchemaError extends Error {}

/** Converts `schema` (a TypeBox value or plain JSON Schema) to a structural schema; throws StructuralSchemaError. */
export function toStructural(schema: unknown, path = ''): JSONSchemaProps {
  if (!isRecord(schema)) throw new StructuralSchemaError(`${path || '<root>'}: schema must be an object`);
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key)) continue;
    out[key] = value;
  }
  rewriteTypeBoxIdioms(out, path);
  checkNode(out, path);
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if (isRecord(out.properties) && Object.keys(out.properties).length === 0) delete out.properties;
  convertChildren(out, path);
  return ordered(out);
}

/** TypeBox's spellings (literal unions, const, Record, exclusive bounds) in the forms a CRD schema allows. */
function rewriteTypeBoxIdioms(out: JSONSchemaProps, path: string): void {
  // A union of string literals (TypeBox's enum idiom) becomes a plain enum.
  if (Array.isArray(out.anyOf) && out['x-kubernetes-int-or-string'] !== true) {
    const members = out.anyOf as unknown[];
    const literals = members.map((m) => (isRecord(m) && 'const' in m ? m.const : undefined));
    if (literals.some((l) => typeof l !== 'string')) {
      throw new StructuralSchemaError(`${path}: anyOf is only supported as a union of string literals (use CEL for other alternatives)`);
    }
    delete out.anyOf;
    out.type = 'string';
    out.enum = literals;
  }
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }

  if (out['x-kubernetes-int-or-string'] === true) {
    // The only anyOf a structural schema allows here is [{type: integer}, {type: string}], without other keys.
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }

  if (isRecord(out.patternProperties)) {
    const entries = Object.entries(out.patternProperties);
    if (entries.length !== 1 || out.properties !== undefined) {
      throw new StructuralSchemaError(`${path}: only a single-pattern Record can become additionalProperties`);
    }
    out.additionalProperties = entries[0]?.[1];
    delete out.patternProperties;
  }
  if (out.additionalProperties === false) delete out.additionalProperties;

  for (const bound of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    if (typeof out[bound] === 'number') {
      out[bound === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = out[bound];
      out[bound] = true;
    }
  }

}

/** The rules of a structural schema node that the API server would otherwise reject the CRD for. */
function checkNode(out: JSONSchemaProps, path: string): void {
  for (const key of Object.keys(out)) {
    if (!ALLOWED_KEYWORDS.has(key)) throw new StructuralSchemaError(`${path}: keyword "${key}" is not allowed in a CRD schema`);
  }
  if (out.type === undefined && out['x-kubernetes-int-or-string'] !== true && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new StructuralSchemaError(`${path}: every schema node needs a type`);
  }
  if (typeof out.format === 'string' && !FORMATS.has(out.format)) {
    throw new StructuralSchemaError(`${path}: format "${out.format}" is not one the API server knows`);
  }
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new StructuralSchemaError(`${path}: properties and additionalProperties are mutually exclusive`);
  }
}

/** Converts every child schema in place, then checks what depends on the converted children. */
function convertChildren(out: JSONSchemaProps, path: string): void {
  if (isRecord(out.properties)) {
    const properties: JSONSchemaProps = {};
    for (const [name, child] of Object.entries(out.properties)) properties[name] = toStructural(child, `${path}.${name}`);
    out.properties = properties;
  }
  if (out.items !== undefined) {
    if (!isRecord(out.items)) throw new StructuralSchemaError(`${path}: items must be a single schema`);
    out.items = toStructural(out.items, `${path}[*]`);
  }
  if (isRecord(out.additionalProperties)) out.additionalProperties = toStructural(out.additionalProperties, `${path}.*`);
  if (out.type === 'array' && out.items === undefined) throw new StructuralSchemaError(`${path}: arrays need items`);
  if (out['x-kubernetes-list-type'] === 'map') {
    const keys = out['x-kubernetes-list-map-keys'];
    const itemRequired = isRecord(out.items) && Array.isArray(out.items.required) ? (out.items.required as string[]) : [];
    if (!Array.isArray(keys) || keys.some((k) => !itemRequired.includes(k as string))) {
      throw new StructuralSchemaError(`${path}: list-type map keys must be required fields of the items`);
    }
  }
}

/** Keys in reading order: what a field is first, its children next, its CEL rules last. */
const KEY_ORDER = ['description', 'type', 'format', 'enum', 'default', 'nullable'];
const TRAILING_KEYS = ['required', 'properties', 'items', 'additionalProperties', 'x-kubernetes-validations'];

function ordered(schema: JSONSchemaProps): JSONSchemaProps {
  const rank = (key: string): number => {
    const head = KEY_ORDER.indexOf(key);
    if (head >= 0) return head;
    const tail = TRAILING_KEYS.indexOf(key);
    return tail >= 0 ? 100 + tail : 50;
  };
  const keys = Object.keys(schema).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, schema[k]]));
}

/** Every property (not array items or map values) of `schema` without a description, as dotted paths. */
export function undocumentedFields(schema: JSONSchemaProps, path = ''): string[] {
  const missing: string[] = [];
  const visit = (node: unknown, at: string, isProperty: boolean): void => {
    if (!isRecord(node)) return;
    if (isProperty && (typeof node.description !== 'string' || node.description.trim() === '')) missing.push(at);
    if (isRecord(node.properties)) for (const [name, child] of Object.entries(node.properties)) visit(child, at ? `${at}.${name}` : name, true);
    if (isRecord(node.items)) visit(node.items, `${at}[]`, false);
    if (isRecord(node.additionalProperties)) visit(node.additionalProperties, `${at}.*`, false);
  };
  visit(schema, path, false);
  return missing;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
