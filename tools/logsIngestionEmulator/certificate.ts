import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);

/**
 * TLS material for the emulator. The Logs Ingestion SDK's bearer-token policy refuses plain http, so the emulator
 * must speak HTTPS with a certificate the client trusts: a private CA (exported as `ca`/`caFile`, for
 * `tlsOptions: { ca }` or NODE_EXTRA_CA_CERTS) signs a leaf for 127.0.0.1 and localhost. A real CA + leaf pair
 * (rather than one self-signed leaf) also satisfies strict verifiers such as Python 3.13's default X509_STRICT.
 */
export interface EmulatorTls {
  key: string;
  cert: string;
  ca: string;
  /** PEM file holding only the CA, suitable for NODE_EXTRA_CA_CERTS or Python's `verify=`. */
  caFile: string;
}

/** Regenerate when the leaf would expire within this window, so a long test run never sees it lapse. */
const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;
const LEAF_DAYS = 365;
const CA_DAYS = 3650;

/**
 * One JSON bundle is the source of truth: written to a temp file and renamed, so two processes generating at once
 * (parallel vitest workers) can never pair one's key with the other's certificate.
 */
const BUNDLE_FILE = 'logs-ingestion-emulator-tls.json';
const CA_FILE = 'ca.pem';

const bundleSchema = z.object({ key: z.string(), cert: z.string(), ca: z.string() });
type Bundle = z.infer<typeof bundleSchema>;

const opensslConfig = (extraHosts: readonly string[]) => `
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost${extraHosts.map((h) => `, DNS:${h}`).join('')}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

/** Usable when it parses, the key matches, it names both loopback identities and is not about to expire. */
function isUsable(bundle: Bundle, extraHosts: readonly string[] = []): boolean {
  try {
    const leaf = new X509Certificate(bundle.cert);
    const ca = new X509Certificate(bundle.ca);
    return (
      leaf.checkPrivateKey(createPrivateKey(bundle.key)) &&
      leaf.verify(ca.publicKey) &&
      leaf.checkIP('127.0.0.1') !== undefined &&
      leaf.checkHost('localhost') !== undefined &&
      extraHosts.every((h) => leaf.checkHost(h) !== undefined) &&
      new Date(leaf.validTo).getTime() - Date.now() > RENEW_BEFORE_MS &&
      new Date(ca.validTo).getTime() - Date.now() > RENEW_BEFORE_MS
    );
  } catch {
    return false;
  }
}

async function readBundle(file: string): Promise<Bundle | undefined> {
  try {
    const parsed = bundleSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** EC P-256 keys: generated in milliseconds and accepted by Node, Python and curl alike. */
async function generate(workDir: string, extraHosts: readonly string[]): Promise<Bundle> {
  const file = (name: string) => path.join(workDir, name);
  await writeFile(file('openssl.cnf'), opensslConfig(extraHosts));
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req', '-x509', '-config', file('openssl.cnf'), '-extensions', 'ca_ext', ...keyArgs,
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', String(CA_DAYS),
    '-subj', '/CN=Logs Ingestion Emulator local CA',
  ]);
  await run('openssl', [
    'req', '-new', '-config', file('openssl.cnf'), ...keyArgs,
    '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', '/CN=localhost',
  ]);
  await run('openssl', [
    'x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
    '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', String(LEAF_DAYS),
    '-extfile', file('openssl.cnf'), '-extensions', 'leaf_ext', '-out', file('leaf.pem'),
  ]);
  // The CA key is deliberately not kept: nothing else can ever be signed by this CA once the folder is gone.
  return {
    key: await readFile(file('leaf.key'), 'utf8'),
    cert: await readFile(file('leaf.pem'), 'utf8'),
    ca: await readFile(file('ca.pem'), 'utf8'),
  };
}

/** Atomic replace: write beside the target, then rename over it. */
async function writeAtomically(target: string, content: string): Promise<void> {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600 });
  await rename(temp, target);
}

/**
 * The cached certificate from certDir when still good, otherwise a freshly generated one (then cached). `extraHosts`:
 * more DNS names for the leaf (the local relay's HTTPS listener adds `<workspaceId>.localhost`).
 */
export async function loadOrCreateCertificate(certDir: string, extraHosts: readonly string[] = []): Promise<EmulatorTls> {
  await mkdir(certDir, { recursive: true });
  const bundleFile = path.join(certDir, BUNDLE_FILE);
  const caFile = path.join(certDir, CA_FILE);
  let bundle = await readBundle(bundleFile);
  if (!bundle || !isUsable(bundle, extraHosts)) {
    const workDir = await mkdtemp(path.join(certDir, '.generate-'));
    try {
      bundle = await generate(workDir, extraHosts);
    } catch (error) {
      throw new Error(`Generating the emulator certificate with openssl failed: ${(error as Error).message}`);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
    await writeAtomically(bundleFile, JSON.stringify(bundle));
    // Another process may have renamed its own bundle in just after ours: converge on whatever is on disk now.
    const onDisk = await readBundle(bundleFile);
    if (onDisk && isUsable(onDisk, extraHosts)) bundle = onDisk;
  }
  // Rewritten only when stale, so a process holding NODE_EXTRA_CA_CERTS=ca.pem keeps a consistent file.
  const existingCa = await readFile(caFile, 'utf8').catch(() => undefined);
  if (existingCa !== bundle.ca) await writeAtomically(caFile, bundle.ca);
  return { ...bundle, caFile };
}
