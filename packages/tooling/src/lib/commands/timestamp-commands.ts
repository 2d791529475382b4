import { createLoopbackContainer } from "./docker-commands.js";
import { splitPemBlocks } from "../core/pem.js";
import { expand, type Word } from "../core/shell-words.js";
import { REKOR_ORIGIN, RekorEnv } from "./rekor-commands.js";
import { PublicEnv, STEP_TMP, type StepScript, type ToolInvocation } from "../core/step-script.js";

/**
 * Environment variables of the timestamp authority's steps. The private key is a secret: it
 * travels in the environment and in 0600 files inside a step's private temporary directory
 * (or inside the TSA's container), never in argv, a rendered script or a log.
 */
export const TimestampEnv = {
  /** The TSA's signing key, a PKCS#8 `PRIVATE KEY` PEM. A secret. */
  privateKey: "LAB_TSA_PRIVATE_KEY",
  /** The TSA's certificate chain PEM: the timestamping certificate first, its root CA last. */
  certificateChain: "LAB_TSA_CERT_CHAIN",
} as const;

/** The port the timestamp server listens on inside its container. */
export const TSA_CONTAINER_PORT = 3000;
/** Where the TSA's container reads its signing key (copied in before it starts, mode 0600). */
export const TSA_KEY_PATH_IN_CONTAINER = "/etc/tsa/tsa.key";
/** Where the TSA's container reads its certificate chain. */
export const TSA_CHAIN_PATH_IN_CONTAINER = "/etc/tsa/chain.pem";
/** The timestamp-authority's RFC 3161 endpoint. */
export const TIMESTAMP_API_PATH = "/api/v1/timestamp";
/**
 * `start-time` of the TSA entry in the signing config cosign signs with: a fixed instant in the
 * past, so the same TSA always yields the same signing config.
 */
export const SIGNING_CONFIG_START_TIME = "2020-01-01T00:00:00Z";

/** The timestamp endpoint of a TSA published on loopback at `hostPort`. */
export function timestampUrl(hostPort: number): string {
  return `http://127.0.0.1:${hostPort}${TIMESTAMP_API_PATH}`;
}

/** Options shared by the timestamp steps. */
export interface TimestampStepOptions {
  /** The openssl binary. Default `openssl` on PATH (Debian's OpenSSL 3). */
  readonly openssl?: string;
  /** The cosign binary. Default `cosign` on PATH. */
  readonly cosign?: string;
}

/** Options of {@link timestampAuthorityKeyStep}. */
export interface TimestampAuthorityKeyOptions extends TimestampStepOptions {
  /** Common name of the timestamping certificate; its root is `<name> root`. Default `signed-image-lab TSA`. */
  readonly commonName?: string;
  /** Validity of both certificates in days. Default 365. */
  readonly days?: number;
}

/** What {@link timestampAuthorityKeyStep} printed. */
export interface TimestampAuthorityKey {
  /** PKCS#8 `PRIVATE KEY` PEM of the timestamping certificate: a secret. */
  readonly privateKeyPem: string;
  /** The timestamping certificate, then its root CA: what the server and the trusted root take. */
  readonly certificateChainPem: string;
}

const GENERATE_P256 = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"];

/** `install -m 600 /dev/null FILE`: an empty file only its owner can read, before a secret goes in. */
function privateFile(file: Word): ToolInvocation {
  return { argv: ["install", "-m", "600", "/dev/null", file] };
}

/** `openssl req -x509` ignoring the system's openssl.cnf, so the extensions are exactly these. */
function certificate(
  openssl: string,
  days: number,
  commonName: string,
  key: Word,
  out: Word,
  extensions: string[],
  issuer?: { cert: Word; key: Word },
): ToolInvocation {
  return {
    argv: [
      openssl,
      "req",
      "-x509",
      "-new",
      "-config",
      "/dev/null",
      "-sha256",
      "-days",
      String(days),
      "-subj",
      `/CN=${commonName}`,
      "-key",
      key,
      ...(issuer ? ["-CA", issuer.cert, "-CAkey", issuer.key] : []),
      ...extensions.flatMap((e) => ["-addext", e]),
      "-out",
      out,
    ],
    stdoutTo: "/dev/null",
  };
}

/**
 * A new timestamp authority: a root CA (EC P-256, CA:TRUE) and a timestamping certificate it
 * issues (EC P-256, CA:FALSE, the one critical extended key usage `timeStamping` RFC 3161 and
 * the timestamp-server's file signer require), made in the step's private temporary directory
 * with the keys in 0600 files. Prints the timestamping key, then the chain (leaf, root), for
 * {@link parseTimestampAuthorityKey}. The root's key never leaves the step: nobody can issue
 * another certificate under this root, so the chain names exactly one signing key.
 */
export function timestampAuthorityKeyStep(options: TimestampAuthorityKeyOptions = {}): StepScript {
  const openssl = options.openssl ?? "openssl";
  const days = options.days ?? 365;
  const name = options.commonName ?? "signed-image-lab TSA";
  const rootKey = expand(STEP_TMP, "/root.key");
  const rootCert = expand(STEP_TMP, "/root.crt");
  const key = expand(STEP_TMP, "/tsa.key");
  const cert = expand(STEP_TMP, "/tsa.crt");
  return {
    invocations: [
      privateFile(rootKey),
      { argv: [openssl, ...GENERATE_P256, rootKey], stdoutTo: "/dev/null" },
      certificate(openssl, days, `${name} root`, rootKey, rootCert, [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,keyCertSign,cRLSign",
        "subjectKeyIdentifier=hash",
      ]),
      privateFile(key),
      { argv: [openssl, ...GENERATE_P256, key], stdoutTo: "/dev/null" },
      certificate(
        openssl,
        days,
        name,
        key,
        cert,
        ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=critical,timeStamping"],
        { cert: rootCert, key: rootKey },
      ),
      { argv: ["cat", key, cert, rootCert] },
    ],
  };
}

/** Splits what {@link timestampAuthorityKeyStep} printed into the key and the chain PEM. */
export function parseTimestampAuthorityKey(stdout: string): TimestampAuthorityKey {
  const blocks = splitPemBlocks(stdout);
  const [key, leaf, root] = blocks;
  if (blocks.length !== 3 || !key?.label.endsWith("PRIVATE KEY") || leaf?.label !== "CERTIFICATE" || root?.label !== "CERTIFICATE") {
    throw new Error(
      `the TSA key step printed ${blocks.map((b) => b.label).join(", ") || "no PEM block"}; want a private key and two certificates`,
    );
  }
  return { privateKeyPem: key.text, certificateChainPem: `${leaf.text}${root.text}` };
}

/**
 * The timestamp-server's arguments inside its container: the file signer with the key and chain
 * at their container paths, all interfaces of the container (docker publishes it on loopback
 * only), no NTP monitoring (offline, it would only log failures), JSON logs.
 */
export function timestampServerArgs(): string[] {
  return [
    "serve",
    "--host",
    "0.0.0.0",
    "--port",
    String(TSA_CONTAINER_PORT),
    "--timestamp-signer",
    "file",
    "--file-signer-key-path",
    TSA_KEY_PATH_IN_CONTAINER,
    "--certificate-chain-path",
    TSA_CHAIN_PATH_IN_CONTAINER,
    "--disable-ntp-monitoring",
    "--log-type",
    "prod",
  ];
}

/** Options of {@link startTimestampServerStep}. */
export interface StartTimestampServerOptions {
  /** Container name. */
  readonly name: string;
  /** The TSA image (`packages/tooling/versions.json` `timestampAuthority.image`, built by local-images.sh). */
  readonly image: string;
  /** Host port, published on 127.0.0.1 only and mapped to the server's {@link TSA_CONTAINER_PORT}. */
  readonly hostPort: number;
  /** Labels for the container, e.g. to find everything a test run started. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The docker binary. Default `docker` on PATH. */
  readonly docker?: string;
}

/**
 * `docker create` of the timestamp server, `docker cp` of its key (from LAB_TSA_PRIVATE_KEY,
 * through a 0600 file in the step's private temporary directory) and chain (from
 * LAB_TSA_CERT_CHAIN), then `docker start`. The server refuses to start unless the key is the
 * chain's timestamping certificate's.
 */
export function startTimestampServerStep(options: StartTimestampServerOptions): StepScript {
  const docker = options.docker ?? "docker";
  const keyFile = expand(STEP_TMP, "/tsa.key");
  const chainFile = expand(STEP_TMP, "/chain.pem");
  return {
    invocations: [
      createLoopbackContainer({ ...options, docker, containerPort: TSA_CONTAINER_PORT, args: timestampServerArgs() }),
      privateFile(keyFile),
      { argv: ["printenv", TimestampEnv.privateKey], stdoutTo: keyFile },
      { argv: ["printenv", TimestampEnv.certificateChain], stdoutTo: chainFile },
      { argv: [docker, "cp", keyFile, `${options.name}:${TSA_KEY_PATH_IN_CONTAINER}`] },
      { argv: [docker, "cp", chainFile, `${options.name}:${TSA_CHAIN_PATH_IN_CONTAINER}`] },
      { argv: [docker, "start", options.name], stdoutTo: "/dev/null" },
    ],
  };
}

/** Options of {@link waitForTimestampServerStep}. */
export interface WaitForTimestampServerOptions {
  /** The timestamp endpoint ({@link timestampUrl}). */
  readonly url: string;
  /** Give up after this long. Default 60. */
  readonly timeoutSeconds?: number;
  /** The curl binary. Default `curl` on PATH. */
  readonly curl?: string;
}

/**
 * Polls the TSA until its certificate chain endpoint answers 200: the server is up with its
 * signer loaded, so no signature is made while it still starts.
 */
export function waitForTimestampServerStep(options: WaitForTimestampServerOptions): StepScript {
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  const url = `${options.url}/certchain`;
  return {
    invocations: [
      {
        argv: [options.curl ?? "curl", "--silent", "--output", "/dev/null", "--max-time", "2", "--write-out", "%{http_code}", url],
        pollUntil: {
          stdout: "200",
          timeoutSeconds,
          failure: `the timestamp authority did not answer ${url} with HTTP 200 within ${timeoutSeconds}s`,
        },
      },
    ],
  };
}

/** Options of {@link trustedRootStep}. */
export interface TrustedRootOptions extends TimestampStepOptions {
  /** The TSA's timestamp endpoint, recorded in the trusted root. */
  readonly tsaUrl: string;
  /**
   * The lab's Rekor v2 log, whose public key comes from LAB_REKOR_PUBLIC_KEY. Default none: no
   * log in the trusted root.
   */
  readonly log?: { readonly url: string };
}

/**
 * `cosign trusted-root create` with the one TSA whose chain is in LAB_TSA_CERT_CHAIN, with the
 * lab's Rekor v2 log when given, and no public Sigstore service (no Fulcio, public Rekor or CT
 * log): the Sigstore trusted root JSON on stdout. Verifiers pass it to `cosign verify
 * --trusted-root`; it holds no secret.
 */
export function trustedRootStep(options: TrustedRootOptions): StepScript {
  const cosign = options.cosign ?? "cosign";
  const chain = expand(STEP_TMP, "/chain.pem");
  const out = expand(STEP_TMP, "/trusted-root.json");
  return {
    invocations: [
      { argv: ["printenv", TimestampEnv.certificateChain], stdoutTo: chain },
      ...(options.log ? [{ argv: ["printenv", RekorEnv.publicKey], stdoutTo: expand(STEP_TMP, "/rekor.pub") }] : []),
      {
        argv: [
          cosign,
          "trusted-root",
          "create",
          "--tsa",
          expand(STEP_TMP, "/chain.pem", `url=${options.tsaUrl},certificate-chain=`),
          ...(options.log
            ? [
                "--rekor",
                expand(
                  STEP_TMP,
                  `/rekor.pub,start-time=${SIGNING_CONFIG_START_TIME},origin=${REKOR_ORIGIN}`,
                  `url=${options.log.url},public-key=`,
                ),
              ]
            : []),
          "--out",
          out,
        ],
        stdoutTo: "/dev/null",
      },
      { argv: ["cat", out] },
    ],
  };
}

/** The file a step writes the trusted root to, from LAB_TRUSTED_ROOT. */
export const TRUSTED_ROOT_FILE = expand(STEP_TMP, "/trusted-root.json");
/** The file a signing step writes its signing config to. */
export const SIGNING_CONFIG_FILE = expand(STEP_TMP, "/signing-config.json");

/** Writes the trusted root JSON from LAB_TRUSTED_ROOT into the step's temporary directory. */
export function writeTrustedRoot(): ToolInvocation {
  return { argv: ["printenv", PublicEnv.trustedRoot], stdoutTo: TRUSTED_ROOT_FILE };
}

/**
 * `cosign signing-config create` naming the lab's TSA (`EXACT:1`) and, when given, the lab's
 * Rekor v2 log (`api-version=2`, `EXACT:1`), nothing else: no Fulcio, no OIDC provider, no
 * public Rekor, so cosign asks no public service.
 */
export function writeSigningConfig(options: {
  readonly tsaUrl: string;
  readonly logUrl?: string;
  readonly cosign?: string;
}): ToolInvocation {
  const service = (url: string, apiVersion: number) =>
    `url=${url},api-version=${apiVersion},start-time=${SIGNING_CONFIG_START_TIME},operator=signed-image-lab`;
  return {
    argv: [
      options.cosign ?? "cosign",
      "signing-config",
      "create",
      "--tsa",
      service(options.tsaUrl, 1),
      "--tsa-config",
      "EXACT:1",
      ...(options.logUrl ? ["--rekor", service(options.logUrl, 2), "--rekor-config", "EXACT:1"] : []),
      "--out",
      SIGNING_CONFIG_FILE,
    ],
    stdoutTo: "/dev/null",
  };
}
