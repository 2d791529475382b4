import { splitPemBlocks } from "../core/pem.js";
import { expand, type Word } from "../core/shell-words.js";
import { STEP_TMP, type StepScript } from "../core/step-script.js";

/** The lab CA's private key PEM, read by {@link serverCertificateStep}. A secret. */
export const TLS_CA_KEY_ENV = "LAB_TLS_CA_KEY";
/** The lab CA's certificate PEM, read by {@link serverCertificateStep}. Public. */
export const TLS_CA_CERT_ENV = "LAB_TLS_CA_CERT";

/** The names a lab registry's certificate is valid for: what clients on the host dial. */
export const LOCAL_REGISTRY_NAMES = { dns: ["localhost"], ip: ["127.0.0.1"] } as const;

/** Options shared by the TLS steps. */
export interface TlsStepOptions {
  /** Validity in days. Default 365. */
  readonly days?: number;
  /** The openssl binary. Default `openssl` on PATH (Debian's OpenSSL 3). */
  readonly openssl?: string;
}

/** Options of {@link certificateAuthorityStep}. */
export interface CertificateAuthorityOptions extends TlsStepOptions {
  /** The CA's common name. Default `signed-image-lab CA`. */
  readonly commonName?: string;
}

/** Options of {@link serverCertificateStep}. */
export interface ServerCertificateOptions extends TlsStepOptions {
  /** DNS names of the certificate. Default `localhost`. */
  readonly dnsNames?: readonly string[];
  /** IP addresses of the certificate. Default `127.0.0.1`. */
  readonly ipAddresses?: readonly string[];
}

/** A private key and its certificate, as a TLS step printed them. */
export interface KeyAndCertificate {
  /** PKCS#8 `PRIVATE KEY` PEM: a secret. */
  readonly privateKeyPem: string;
  /** `CERTIFICATE` PEM. */
  readonly certificatePem: string;
}

const GENERATE_P256 = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"];

/**
 * `openssl req -x509` that ignores the system's openssl.cnf (`-config /dev/null`), so the
 * extensions are exactly the ones given here, not the distribution's defaults.
 */
function selfContainedReq(openssl: string, days: number, commonName: string): Word[] {
  return [openssl, "req", "-x509", "-new", "-config", "/dev/null", "-sha256", "-days", String(days), "-subj", `/CN=${commonName}`];
}

/**
 * A new CA: an EC P-256 key and a self-signed certificate (CA:TRUE, keyCertSign) made in the
 * step's private temporary directory, then both PEMs on stdout, private key first, for
 * {@link parseKeyAndCertificate}. The files are removed when the step ends.
 */
export function certificateAuthorityStep(options: CertificateAuthorityOptions = {}): StepScript {
  const openssl = options.openssl ?? "openssl";
  const key = expand(STEP_TMP, "/ca.key");
  const cert = expand(STEP_TMP, "/ca.crt");
  return {
    invocations: [
      { argv: [openssl, ...GENERATE_P256, key], stdoutTo: "/dev/null" },
      {
        argv: [
          ...selfContainedReq(openssl, options.days ?? 365, options.commonName ?? "signed-image-lab CA"),
          "-key",
          key,
          "-addext",
          "basicConstraints=critical,CA:TRUE,pathlen:0",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign",
          "-addext",
          "subjectKeyIdentifier=hash",
          "-out",
          cert,
        ],
        stdoutTo: "/dev/null",
      },
      { argv: ["cat", key, cert] },
    ],
  };
}

/** `subjectAltName` value for DNS names and IP addresses. */
export function subjectAltName(dnsNames: readonly string[], ipAddresses: readonly string[]): string {
  const entries = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((ip) => `IP:${ip}`)];
  if (entries.length === 0) {
    throw new Error("a server certificate needs at least one DNS name or IP address");
  }
  for (const entry of entries) {
    if (!/^(DNS|IP):[^,\s/]+$/.test(entry)) throw new Error(`not a name for a certificate: ${JSON.stringify(entry)}`);
  }
  return entries.join(",");
}

/**
 * A server certificate (serverAuth; by default for `localhost` and `127.0.0.1`) signed by the
 * CA whose key and certificate come from LAB_TLS_CA_KEY and LAB_TLS_CA_CERT: a new EC P-256
 * key, then key and certificate PEMs on stdout, private key first, for
 * {@link parseKeyAndCertificate}. The CA key is written only to the step's private temporary
 * directory, which is removed when the step ends.
 */
export function serverCertificateStep(options: ServerCertificateOptions = {}): StepScript {
  const openssl = options.openssl ?? "openssl";
  const dnsNames = options.dnsNames ?? LOCAL_REGISTRY_NAMES.dns;
  const ipAddresses = options.ipAddresses ?? LOCAL_REGISTRY_NAMES.ip;
  const san = subjectAltName(dnsNames, ipAddresses);
  const caKey = expand(STEP_TMP, "/ca.key");
  const caCert = expand(STEP_TMP, "/ca.crt");
  const key = expand(STEP_TMP, "/server.key");
  const cert = expand(STEP_TMP, "/server.crt");
  return {
    invocations: [
      { argv: ["printenv", TLS_CA_KEY_ENV], stdoutTo: caKey },
      { argv: ["printenv", TLS_CA_CERT_ENV], stdoutTo: caCert },
      { argv: [openssl, ...GENERATE_P256, key], stdoutTo: "/dev/null" },
      {
        argv: [
          ...selfContainedReq(openssl, options.days ?? 365, dnsNames[0] ?? ipAddresses[0] ?? "server"),
          "-key",
          key,
          "-CA",
          caCert,
          "-CAkey",
          caKey,
          "-addext",
          "basicConstraints=critical,CA:FALSE",
          "-addext",
          "keyUsage=critical,digitalSignature",
          "-addext",
          "extendedKeyUsage=serverAuth",
          "-addext",
          `subjectAltName=${san}`,
          "-out",
          cert,
        ],
        stdoutTo: "/dev/null",
      },
      { argv: ["cat", key, cert] },
    ],
  };
}

/** Splits what a TLS step printed into its private key and certificate PEM. */
export function parseKeyAndCertificate(stdout: string): KeyAndCertificate {
  const blocks = splitPemBlocks(stdout);
  const keys = blocks.filter((b) => b.label.endsWith("PRIVATE KEY"));
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (keys.length !== 1 || certs.length !== 1 || blocks.length !== 2) {
    throw new Error(`a TLS step printed ${blocks.length} PEM block(s), want one private key and one certificate`);
  }
  const [key] = keys;
  const [certificate] = certs;
  if (!key || !certificate) throw new Error("a TLS step printed no private key or no certificate");
  return { privateKeyPem: key.text, certificatePem: certificate.text };
}

/**
 * Writes the CA certificate from LAB_TLS_CA_CERT to `file` (creating its directory), where
 * cosign (`--registry-cacert`), syft (SYFT_REGISTRY_CA_CERT), skopeo (`--cert-dir`) and curl
 * (`--cacert`) read it. The certificate is public; its key never leaves the secret outputs.
 */
export function writeCaFileStep(options: { readonly file: string }): StepScript {
  const dir = options.file.slice(0, options.file.lastIndexOf("/")) || "/";
  // Written beside its name and moved into place: a killed step never leaves a cut-off CA.
  const partial = `${options.file}.partial`;
  return {
    invocations: [
      { argv: ["mkdir", "-p", dir] },
      { argv: ["printenv", TLS_CA_CERT_ENV], stdoutTo: partial },
      { argv: ["mv", "-f", partial, options.file] },
    ],
  };
}
