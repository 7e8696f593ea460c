// The CustomResourceDefinition for ModelDeployment, rendered from the TypeBox schema. crds/ holds its YAML
// (npm run crds); the Helm chart can call renderCrd() too, so both ship the same definition.

import { CATEGORIES, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.ts';
import { ModelDeploymentSchema } from './schema.ts';
import { toStructural } from './structural.ts';
import type { JSONSchemaProps } from './structural.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export const PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Status of the Ready condition.' },
  { name: 'Stable', type: 'string', jsonPath: '.status.stableRevision.version', description: 'Model version of the stable revision.' },
  { name: 'Canary', type: 'string', jsonPath: '.status.canaryRevision.version', description: 'Model version being rolled out, if any.' },
  { name: 'Weight', type: 'integer', jsonPath: '.status.canaryRevision.weight', description: 'Percentage of traffic on the canary.' },
  { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas', description: 'Runtime pods across all revisions.' },
  { name: 'URL', type: 'string', jsonPath: '.status.url', description: 'In-cluster URL of the model.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
];

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: {
        status: Record<string, never>;
        scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: PrinterColumn[];
    }>;
  };
}

/** The ModelDeployment CRD as a plain object; `labels` are added to its metadata (e.g. a Helm chart's). */
export function renderCrd(options: { labels?: Record<string, string> } = {}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, ...(options.labels ? { labels: { ...options.labels } } : {}) },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES], categories: [...CATEGORIES] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema() },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/** The structural OpenAPI v3 schema of a ModelDeployment. */
export function openApiSchema(): JSONSchemaProps {
  return toStructural(structuredClone(ModelDeploymentSchema));
}
