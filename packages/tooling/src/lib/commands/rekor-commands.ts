import { createLoopbackContainer } from "./docker-commands.js";
import { splitPemBlocks } from "../core/pem.js";
import { expand } from "../core/shell-words.js";
import { STEP_TMP, type StepScript } from "../core/step-script.js";

/**
 * Environment variables of the transparency log's steps. The private key is a secret: it
 * travels in the environment and in a 0600 file inside a step's private temporary directory
 * (or inside the log's container), never in argv, a rendered script or a log.
 */
export const RekorEnv = {
  /** The log's Ed25519 checkpoint signing key, a PKCS#8 `PRIVATE KEY` PEM. A secret. */
  privateKey: "LAB_REKOR_PRIVATE_KEY",
  /** The log's public key PEM, for the trusted root. */
  publicKey: "LAB_REKOR_PUBLIC_KEY",
} as const;

/** The HTTP port Rekor v2 listens on inside its container. */
export const REKOR_CONTAINER_PORT = 3000;
/** Where the log's container reads its signing key (copied in before it starts, mode 0600). */
export const REKOR_KEY_PATH_IN_CONTAINER = "/etc/rekor/log.key";
/** Where the log's container keeps its tiles and checkpoint (a volume). */
export const REKOR_STORAGE_IN_CONTAINER = "/var/lib/rekor";
/**
 * The log's checkpoint origin. sigstore-go (in the pinned cosign) checks a Rekor v2 checkpoint against
 * the host name of the log's URL in the trusted root, so the origin is the host verifiers and
 * signers reach the log at: the loopback address the lab publishes it on.
 */
export const REKOR_ORIGIN = "127.0.0.1";

/** The base URL of a Rekor v2 log published on loopback at `hostPort`. */
export function rekorUrl(hostPort: number): string {
  return `http://${REKOR_ORIGIN}:${hostPort}`;
}

/** What {@link logKeyStep} printed. */
export interface LogKey {
  /** PKCS#8 `PRIVATE KEY` PEM (Ed25519): a secret. */
  readonly privateKeyPem: string;
  /** `PUBLIC KEY` PEM: what the trusted root holds. */
  readonly publicKeyPem: string;
}

/**
 * A new Ed25519 key for the log's checkpoints, made in a 0600 file of the step's private
 * temporary directory; prints the private key, then the public key, for {@link parseLogKey}.
 */
export function logKeyStep(options: { readonly openssl?: string } = {}): StepScript {
  const openssl = options.openssl ?? "openssl";
  const key = expand(STEP_TMP, "/log.key");
  const pub = expand(STEP_TMP, "/log.pub");
  return {
    invocations: [
      { argv: ["install", "-m", "600", "/dev/null", key] },
      { argv: [openssl, "genpkey", "-algorithm", "ed25519", "-out", key], stdoutTo: "/dev/null" },
      { argv: [openssl, "pkey", "-in", key, "-pubout", "-out", pub], stdoutTo: "/dev/null" },
      { argv: ["cat", key, pub] },
    ],
  };
}

/** Splits what {@link logKeyStep} printed into the private and the public key PEM. */
export function parseLogKey(stdout: string): LogKey {
  const blocks = splitPemBlocks(stdout);
  const [key, pub] = blocks;
  if (blocks.length !== 2 || key?.label !== "PRIVATE KEY" || pub?.label !== "PUBLIC KEY") {
    throw new Error(`the log key step printed ${blocks.map((b) => b.label).join(", ") || "no PEM block"}; want a private and a public key`);
  }
  return { privateKeyPem: key.text, publicKeyPem: pub.text };
}

/**
 * rekor-server's arguments inside its container: HTTP on all interfaces of the container
 * (docker publishes it on loopback only), gRPC inside it only, tiles on the volume, the file
 * signer, a checkpoint every second (a signature waits for the checkpoint that includes it).
 */
export function rekorServerArgs(): string[] {
  return [
    "serve",
    "--http-address",
    "0.0.0.0",
    "--http-port",
    String(REKOR_CONTAINER_PORT),
    "--grpc-address",
    "127.0.0.1",
    "--grpc-port",
    "3001",
    "--hostname",
    REKOR_ORIGIN,
    "--storage-dir",
    REKOR_STORAGE_IN_CONTAINER,
    "--signer-filepath",
    REKOR_KEY_PATH_IN_CONTAINER,
    "--checkpoint-interval",
    "1s",
  ];
}

/** Options of {@link startRekorServerStep}. */
export interface StartRekorServerOptions {
  /** Container name. */
  readonly name: string;
  /** The Rekor v2 image (`packages/tooling/versions.json` `rekorTiles.image`, built by local-images.sh). */
  readonly image: string;
  /** Host port, published on 127.0.0.1 only and mapped to the server's {@link REKOR_CONTAINER_PORT}. */
  readonly hostPort: number;
  /** Labels for the container. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The docker binary. Default `docker` on PATH. */
  readonly docker?: string;
}

/**
 * `docker create` of Rekor v2, `docker cp` of its key (from LAB_REKOR_PRIVATE_KEY, through a
 * 0600 file in the step's private temporary directory), then `docker start`.
 */
export function startRekorServerStep(options: StartRekorServerOptions): StepScript {
  const docker = options.docker ?? "docker";
  const keyFile = expand(STEP_TMP, "/log.key");
  return {
    invocations: [
      createLoopbackContainer({ ...options, docker, containerPort: REKOR_CONTAINER_PORT, args: rekorServerArgs() }),
      { argv: ["install", "-m", "600", "/dev/null", keyFile] },
      { argv: ["printenv", RekorEnv.privateKey], stdoutTo: keyFile },
      { argv: [docker, "cp", keyFile, `${options.name}:${REKOR_KEY_PATH_IN_CONTAINER}`] },
      { argv: [docker, "start", options.name], stdoutTo: "/dev/null" },
    ],
  };
}

/** Polls the log's `/healthz` until it answers 200, giving up after `timeoutSeconds` (default 60). */
export function waitForRekorServerStep(options: {
  readonly url: string;
  readonly timeoutSeconds?: number;
  readonly curl?: string;
}): StepScript {
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  const url = `${options.url}/healthz`;
  return {
    invocations: [
      {
        argv: [options.curl ?? "curl", "--silent", "--output", "/dev/null", "--max-time", "2", "--write-out", "%{http_code}", url],
        pollUntil: {
          stdout: "200",
          timeoutSeconds,
          failure: `the transparency log did not answer ${url} with HTTP 200 within ${timeoutSeconds}s`,
        },
      },
    ],
  };
}
