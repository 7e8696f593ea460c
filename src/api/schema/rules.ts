// The building blocks every section of the schema uses: CEL rules with readable messages, enums, and the
// string formats (object names, durations, quantities) the API server checks with CEL.

import { FormatRegistry, Type } from '@sinclair/typebox';
import type { SchemaOptions, TLiteral, TUnion } from '@sinclair/typebox';
import { DURATION_PATTERN } from '../duration.ts';

// TypeBox's Value.Check rejects strings with an unregistered format.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value));
}

/** One `x-kubernetes-validations` entry. */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** Path, relative to the node carrying the rule, that the error is reported against. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

type CelRuleOptions = Omit<CelRule, 'rule' | 'message'>;

export function cel(rule: string, message: string, options: CelRuleOptions = {}): CelRule {
  return { rule, message, ...options };
}

export function validations(...rules: CelRule[]): { 'x-kubernetes-validations': CelRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** A string restricted to `values`; becomes `enum` in the CRD. */
export function OneOf<const T extends readonly string[]>(values: T, options: SchemaOptions): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Reusable string formats (CEL, for readable messages)

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const LABEL_VALUE = '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

/** The name of a namespaced object (Secret, ServiceAccount, ConfigMap) in the ModelDeployment's namespace. */
export function ObjectName(description: string) {
  return Type.String({
    description,
    minLength: 1,
    maxLength: 253,
    ...validations(
      cel(`self.matches(r'${DNS_SUBDOMAIN}')`, 'must be a lowercase DNS subdomain such as my-secret (a-z, 0-9, - and .)'),
    ),
  });
}

export function Duration(description: string, extra: CelRule[] = [], options: SchemaOptions = {}) {
  return Type.String({
    description,
    minLength: 2,
    maxLength: 32,
    ...options,
    ...validations(
      cel(`self.matches(r'${DURATION_PATTERN}')`, 'must be a duration such as 30s, 5m, 1h30m or 500ms'),
      ...extra,
    ),
  });
}

const Quantity = Type.Union([Type.Integer(), Type.String()], {
  description: 'A Kubernetes quantity, such as 500m, 2, 1Gi or 512Mi.',
  'x-kubernetes-int-or-string': true,
  pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
});

export const QuantityMap = (description: string) =>
  Type.Record(Type.String(), Quantity, { description, maxProperties: 16 });

