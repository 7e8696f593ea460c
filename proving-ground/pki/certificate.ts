import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  implicitPrimitive,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.ts';
import type { Der } from './der.ts';

export interface DistinguishedName {
  commonName: string;
  /** O= entries; Kubernetes reads them as the user's groups. */
  organizations?: string[];
}

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A certificate with the key that signs for it, both kept as objects and PEM. */
export interface IssuedCertificate {
  subject: DistinguishedName;
  keys: KeyPair;
  certificatePem: string;
  privateKeyPem: string;
}

export interface CertificateRequest {
  subject: DistinguishedName;
  /** Omit to make a self-signed certificate authority. */
  issuer?: IssuedCertificate;
  isCertificateAuthority?: boolean;
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** DNS names and IP addresses for subjectAltName. */
  alternativeNames?: string[];
  validForDays?: number;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** ECDSA P-256: quick to generate, accepted by Go's TLS, etcd and the service-account token signer. */
export function generateKeyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function issueCertificate(request: CertificateRequest, keys: KeyPair = generateKeyPair()): IssuedCertificate {
  const signer = request.issuer?.keys ?? keys;
  const issuerName = request.issuer?.subject ?? request.subject;
  const now = Date.now();
  const notBefore = new Date(now - 60 * 60 * 1000); // tolerate small clock skew
  const notAfter = new Date(now + (request.validForDays ?? 3650) * 24 * 60 * 60 * 1000);
  const subjectPublicKeyInfo = keys.publicKey.export({ type: 'spki', format: 'der' });

  const tbsCertificate = sequence(
    explicit(0, smallInteger(2)), // version 3
    unsignedInteger(randomBytes(16)),
    signatureAlgorithm(signer.privateKey),
    encodeName(issuerName),
    sequence(time(notBefore), time(notAfter)),
    encodeName(request.subject),
    subjectPublicKeyInfo,
    explicit(3, sequence(...extensions(request, keys.publicKey, signer.publicKey))),
  );
  const signature = sign('sha256', tbsCertificate, signer.privateKey);
  const certificate = sequence(tbsCertificate, signatureAlgorithm(signer.privateKey), bitString(signature));

  return {
    subject: request.subject,
    keys,
    certificatePem: toPem('CERTIFICATE', certificate),
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function publicKeyPem(keys: KeyPair): string {
  return keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

function signatureAlgorithm(signingKey: KeyObject): Der {
  if (signingKey.asymmetricKeyType === 'ec') return sequence(objectIdentifier(OID.ecdsaWithSha256));
  if (signingKey.asymmetricKeyType === 'rsa') return sequence(objectIdentifier(OID.sha256WithRsa), Buffer.from([0x05, 0x00]));
  throw new Error(`unsupported signing key type ${signingKey.asymmetricKeyType}`);
}

function encodeName(name: DistinguishedName): Der {
  const attributes: Der[] = [];
  for (const organization of name.organizations ?? []) {
    attributes.push(set(sequence(objectIdentifier(OID.organization), utf8String(organization))));
  }
  attributes.push(set(sequence(objectIdentifier(OID.commonName), utf8String(name.commonName))));
  return sequence(...attributes);
}

function extension(oid: string, critical: boolean, value: Der): Der {
  return critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

function keyIdentifier(publicKey: KeyObject): Buffer {
  // RFC 5280 leaves the method open; a hash of the whole SubjectPublicKeyInfo is unique enough.
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

function extensions(request: CertificateRequest, subjectPublicKey: KeyObject, issuerPublicKey: KeyObject): Der[] {
  const isCA = request.isCertificateAuthority ?? false;
  const list: Der[] = [];
  list.push(extension(OID.basicConstraints, true, isCA ? sequence(boolean(true)) : sequence()));

  // keyUsage bits: digitalSignature(0), keyEncipherment(2), keyCertSign(5), cRLSign(6).
  const usageBits = isCA ? 0b1000_0110 : 0b1010_0000;
  list.push(extension(OID.keyUsage, true, bitString(Buffer.from([usageBits]), trailingZeroBits(usageBits))));

  const purposes: string[] = [];
  if (request.serverAuth) purposes.push(OID.serverAuth);
  if (request.clientAuth) purposes.push(OID.clientAuth);
  if (purposes.length > 0) {
    list.push(extension(OID.extendedKeyUsage, false, sequence(...purposes.map((oid) => objectIdentifier(oid)))));
  }

  const names = request.alternativeNames ?? [];
  if (names.length > 0) list.push(extension(OID.subjectAltName, false, sequence(...names.map(encodeAlternativeName))));

  if (isCA) list.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(subjectPublicKey))));
  list.push(extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(issuerPublicKey)))));
  return list;
}

function encodeAlternativeName(name: string): Der {
  const family = isIP(name);
  if (family === 4) return implicitPrimitive(7, Buffer.from(name.split('.').map(Number)));
  if (family === 6) return implicitPrimitive(7, ipv6Bytes(name));
  return implicitPrimitive(2, ia5String(name).subarray(2));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(address.includes('::') ? missing : 0).fill('0'), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(parseInt(group, 16), index * 2));
  return bytes;
}

function trailingZeroBits(byte: number): number {
  let count = 0;
  while (count < 8 && (byte & (1 << count)) === 0) count++;
  return count;
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
