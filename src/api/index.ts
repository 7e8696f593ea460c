// The ModelDeployment API in one import: names, schema, types, defaults and the CRD.
export * from './constants.ts';
export * from './duration.ts';
export * from './schema.ts';
export type * from './types.ts';
export { applyDefaults, servedModelName } from './defaults.ts';
export { PRINTER_COLUMNS, openApiSchema, renderCrd } from './crd.ts';
export type { CustomResourceDefinition, PrinterColumn } from './crd.ts';
