import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { openApiSchema, PRINTER_COLUMNS, renderCrd } from './crd.ts';
import { CRD_FILE, renderCrdYaml, renderGeneratedFiles } from './generate.ts';
import { StructuralSchemaError, toStructural, undocumentedFields } from './structural.ts';
import type { JSONSchemaProps } from './structural.ts';
import { Type } from '@sinclair/typebox';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Calls `visit` on every schema node with its path. */
function walk(schema: JSONSchemaProps, visit: (node: JSONSchemaProps, at: string) => void, at = ''): void {
  visit(schema, at);
  const props = schema.properties as Record<string, JSONSchemaProps> | undefined;
  for (const [name, child] of Object.entries(props ?? {})) walk(child, visit, at ? `${at}.${name}` : name);
  if (schema.items) walk(schema.items as JSONSchemaProps, visit, `${at}[]`);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties as JSONSchemaProps, visit, `${at}.*`);
}

/** Follows a CRD jsonPath such as `.spec.replicas` through the schema. */
function schemaAt(jsonPath: string): JSONSchemaProps | undefined {
  let node: JSONSchemaProps | undefined = openApiSchema();
  for (const part of jsonPath.replace(/^\./, '').split('.')) {
    node = (node?.properties as Record<string, JSONSchemaProps> | undefined)?.[part];
  }
  return node;
}

test('the generated CRD is well under 100 kB', () => {
  const bytes = Buffer.byteLength(renderCrdYaml());
  assert.ok(bytes < 100_000, `CRD is ${bytes} bytes`);
  // Leave room to grow: a CRD near the limit breaks client-side apply's last-applied annotation first.
  assert.ok(bytes < 64_000, `CRD is ${bytes} bytes; keep it well under 100 kB`);
});

test('every schema node has a type or an int-or-string marker, and no TypeBox or draft-7 keyword leaks', () => {
  walk(openApiSchema(), (node, at) => {
    assert.ok(node.type !== undefined || node['x-kubernetes-int-or-string'] === true, `${at || '<root>'} has no type`);
    for (const key of ['$id', '$ref', 'const', 'patternProperties', 'definitions', '$defs', 'oneOf', 'allOf', 'not']) {
      assert.equal(key in node, false, `${at} has ${key}`);
    }
    if ('anyOf' in node) assert.equal(node['x-kubernetes-int-or-string'], true, `${at}: anyOf is only for int-or-string`);
    assert.equal(Object.getOwnPropertySymbols(node).length, 0, `${at} carries TypeBox symbols`);
    if (node.additionalProperties !== undefined) assert.equal(node.properties, undefined, `${at}: properties with additionalProperties`);
  });
});

test('every field has a description, so kubectl explain is useful', () => {
  // metadata is the exception: the API server allows nothing there but restrictions of its name.
  assert.deepEqual(undocumentedFields(openApiSchema()).filter((f) => f !== 'metadata' && f !== 'metadata.name'), []);
});

test('every string, list and map under spec is bounded, so CEL cost estimates stay small', () => {
  const spec = schemaAt('.spec');
  assert.ok(spec);
  walk(spec, (node, at) => {
    if (node.type === 'string' && node.enum === undefined) assert.ok(node.maxLength !== undefined, `spec.${at} has no maxLength`);
    if (node.type === 'array') assert.ok(node.maxItems !== undefined, `spec.${at} has no maxItems`);
    if (node.type === 'object' && node.additionalProperties !== undefined) assert.ok(node.maxProperties !== undefined, `spec.${at} has no maxProperties`);
  });
});

test('every CEL rule has a message that a person can read', () => {
  walk(openApiSchema(), (node, at) => {
    for (const rule of (node['x-kubernetes-validations'] as Array<Record<string, string>> | undefined) ?? []) {
      assert.ok(rule.rule, `${at}: rule without expression`);
      assert.ok(rule.message && rule.message.length >= 10, `${at}: rule ${rule.rule} has no message`);
    }
  });
});

test('list-type map keys are required fields of their items', () => {
  walk(openApiSchema(), (node, at) => {
    if (node['x-kubernetes-list-type'] !== 'map') return;
    const items = node.items as JSONSchemaProps;
    for (const key of node['x-kubernetes-list-map-keys'] as string[]) assert.ok((items.required as string[]).includes(key), `${at}: ${key}`);
  });
});

test('the scale subresource points at an integer spec.replicas, status.replicas and a string status.selector', () => {
  const version = renderCrd().spec.versions[0];
  assert.ok(version);
  const scale = version.subresources.scale;
  assert.equal(schemaAt(scale.specReplicasPath)?.type, 'integer');
  assert.equal(schemaAt(scale.statusReplicasPath)?.type, 'integer');
  assert.equal(schemaAt(scale.labelSelectorPath)?.type, 'string');
  assert.deepEqual(version.subresources.status, {});
});

test('printer columns are Ready, Stable, Canary, Weight, Replicas, URL and Age, and read declared fields', () => {
  assert.deepEqual(
    PRINTER_COLUMNS.map((c) => c.name),
    ['Ready', 'Stable', 'Canary', 'Weight', 'Replicas', 'URL', 'Age'],
  );
  for (const column of PRINTER_COLUMNS) {
    if (column.jsonPath.includes('[?') || column.jsonPath.startsWith('.metadata')) continue;
    assert.ok(schemaAt(column.jsonPath), `${column.name} reads ${column.jsonPath}, which the schema lacks`);
  }
});

test('the CRD names modelship.io/v1alpha1 ModelDeployment with short name md, namespaced', () => {
  const crd = renderCrd();
  assert.equal(crd.metadata.name, 'modeldeployments.modelship.io');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual(crd.spec.names.shortNames, ['md']);
  assert.ok(crd.spec.names.categories.includes('modelship'));
  assert.equal(crd.spec.versions.length, 1);
  assert.equal(crd.spec.versions[0]?.name, 'v1alpha1');
});

test('renderCrd adds labels a chart asks for without changing the schema', () => {
  const plain = renderCrd();
  const labelled = renderCrd({ labels: { 'app.kubernetes.io/part-of': 'modelship' } });
  assert.deepEqual(labelled.metadata.labels, { 'app.kubernetes.io/part-of': 'modelship' });
  assert.deepEqual(labelled.spec, plain.spec);
});

test('the files under crds/ and docs/ match the schema (run npm run crds when this fails)', async () => {
  for (const [file, content] of renderGeneratedFiles()) {
    const onDisk = await readFile(path.join(ROOT, file), 'utf8').catch(() => '');
    assert.ok(onDisk === content, `${file} is stale: run npm run crds`);
  }
  const parsed = load(await readFile(path.join(ROOT, CRD_FILE), 'utf8'));
  assert.deepEqual(parsed, renderCrd());
});

test('the structural converter turns TypeBox idioms into OpenAPI v3.0 forms', () => {
  const out = toStructural(
    Type.Object({
      mode: Type.Union([Type.Literal('a'), Type.Literal('b')], { description: 'd' }),
      labels: Type.Record(Type.String(), Type.String(), { description: 'd' }),
      ratio: Type.Number({ exclusiveMinimum: 0, description: 'd' }),
      fixed: Type.Literal('x', { description: 'd' }),
    }),
  );
  const props = out.properties as Record<string, JSONSchemaProps>;
  assert.deepEqual(props.mode, { description: 'd', type: 'string', enum: ['a', 'b'] });
  assert.deepEqual(props.labels, { description: 'd', type: 'object', additionalProperties: { type: 'string' } });
  assert.deepEqual(props.ratio, { description: 'd', type: 'number', minimum: 0, exclusiveMinimum: true });
  assert.deepEqual(props.fixed, { description: 'd', type: 'string', enum: ['x'] });
});

test('the structural converter refuses what a CRD cannot hold', () => {
  assert.throws(() => toStructural(Type.Union([Type.String(), Type.Number()])), StructuralSchemaError);
  assert.throws(() => toStructural({ type: 'object', properties: { x: { $ref: '#/x' } } }), StructuralSchemaError);
  assert.throws(() => toStructural({ type: 'object', properties: { x: { description: 'no type' } } }), /needs a type/);
  assert.throws(() => toStructural({ type: 'array' }), /arrays need items/);
});
