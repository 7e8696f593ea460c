/**
 * Records every write (create, update, patch, delete) at Metadata level and
 * nothing else, so a test can count the API writes a controller makes (e.g.
 * "no writes while nothing changes") by reading the audit log.
 */
export const AUDIT_POLICY_YAML = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;
