/**
 * Which TLS certificates a scrape trusts. By default Node's: its bundled roots plus NODE_EXTRA_CA_CERTS.
 * `--cacert FILE` adds FILE's certificates to those (a private CA, or a server's self-signed certificate), so a
 * list that mixes public and private hosts works; `--insecure` checks nothing.
 */
import { readFileSync } from 'node:fs';
import { readUserFile } from '../../util/user-file.js';
import type * as tls from 'node:tls';
import { FanoutError } from '../../engine/errors.js';
import { errorReason } from '../../util/error-reason.js';

export interface TlsTrust {
  /** -k/--insecure: accept any certificate, for any name. Default: false. */
  insecure?: boolean;
  /** --cacert: PEM certificates trusted besides Node's own. Default: none. */
  cacert?: string | null;
}

/** What undici's `connect` (and a proxy agent's `requestTls`) takes for this trust: nothing by default. */
export function tlsConnectOptions(trust: TlsTrust): tls.ConnectionOptions {
  if (trust.insecure) return { rejectUnauthorized: false };
  // One context per agent: a `ca` list given per connection would be parsed again for every connection.
  // node:tls on first use (~5 ms of start-up): undici loads it itself for the first https:// connection.
  if (trust.cacert) return { secureContext: process.getBuiltinModule('node:tls').createSecureContext({ ca: [...nodeCertificates(), trust.cacert] }) };
  return {};
}

/** Node's default trust: `ca` replaces it, so it is handed over again along with the added certificates. */
function nodeCertificates(): string[] {
  const tls = process.getBuiltinModule('node:tls');
  const getCACertificates = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  if (getCACertificates) return getCACertificates('default'); // Node >= 22.15: bundled, extra and (if enabled) system
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  let extraPem: string[] = [];
  if (extra) {
    try {
      extraPem = [readFileSync(extra, 'utf8')];
    } catch {
      // Node warned about it at start-up and ignores it; so does this.
    }
  }
  return [...tls.rootCertificates, ...extraPem];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads a --cacert file (PEM, one or more certificates; or one DER certificate) as PEM; a bad one is a usage error. */
export function readCaFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readUserFile(file);
  } catch (err) {
    throw new FanoutError('USAGE', `--cacert ${file}: cannot read it: ${errorReason(err)}`);
  }
  const pems = bytes.toString('latin1').match(PEM_CERT);
  const { X509Certificate } = process.getBuiltinModule('node:crypto');
  try {
    if (!pems) return new X509Certificate(bytes).toString();
    for (const pem of pems) new X509Certificate(pem);
    return pems.join('\n') + '\n';
  } catch (err) {
    throw new FanoutError('USAGE', `--cacert ${file}: not a certificate in PEM or DER form (${(err as Error).message})`);
  }
}
