// Who is asking: the aggregation layer's front-proxy authentication, as every aggregated API server does it
// (k8s.io/apiserver's requestheader authenticator). The kube-apiserver authenticates and authorizes the
// caller, then proxies with a client certificate signed by the requestheader client CA and the caller's
// name in a header. We trust that header only on a connection whose certificate verifies against that CA
// and, when the cluster lists allowed names, carries one of them as its common name. Pure: the TLS facts
// and the headers in, a user or a refusal out.

/** The requestheader settings the API server publishes in kube-system/extension-apiserver-authentication. */
export interface RequestHeaderConfig {
  clientCaPem: string;
  /** Common names the front proxy's certificate may carry; empty: any the CA signed. */
  allowedNames: string[];
  /** Headers carrying the user's name, in order of preference. */
  usernameHeaders: string[];
}

export const AUTH_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

/** Reads the ConfigMap's data; undefined when the cluster has no front proxy (no aggregation layer). */
export function requestHeaderConfig(data: Record<string, string> | undefined): RequestHeaderConfig | undefined {
  const ca = data?.['requestheader-client-ca-file'];
  if (!ca) return undefined;
  return {
    clientCaPem: ca,
    allowedNames: jsonList(data['requestheader-allowed-names']),
    usernameHeaders: jsonList(data['requestheader-username-headers'] ?? '["X-Remote-User"]'),
  };
}

function jsonList(text: string | undefined): string[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}

/** What the TLS layer established about the peer. */
export interface PeerCertificate {
  /** The chain verified against the requestheader client CA. */
  verified: boolean;
  commonName?: string;
}

export type Authentication = { user: string } | { refused: string };

export function authenticate(peer: PeerCertificate, headers: Record<string, string | string[] | undefined>, config: RequestHeaderConfig): Authentication {
  if (!peer.verified) return { refused: 'no client certificate signed by the requestheader client CA' };
  if (config.allowedNames.length > 0 && !config.allowedNames.includes(peer.commonName ?? '')) {
    return { refused: `client certificate common name ${JSON.stringify(peer.commonName ?? '')} is not among requestheader-allowed-names` };
  }
  for (const header of config.usernameHeaders) {
    const value = headers[header.toLowerCase()];
    const user = Array.isArray(value) ? value[0] : value;
    if (user) return { user };
  }
  return { refused: `no user in ${config.usernameHeaders.join(', ')}` };
}
