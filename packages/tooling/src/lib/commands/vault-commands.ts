import type { StepScript, ToolInvocation } from "../core/step-script.js";

/**
 * Environment variables of a step that talks to the vault (OpenBao's `bao`, or HashiCorp
 * Vault's transit engine through cosign `--key hashivault://<key>`). The token is a secret:
 * it travels in the environment only, never in argv or in a rendered script.
 *
 * Both `bao` and cosign also read `BAO_ADDR`/`BAO_TOKEN`, but with opposite precedence: `bao`
 * prefers `BAO_ADDR` over `VAULT_ADDR`, cosign (sigstore's hashivault KMS) prefers `VAULT_ADDR`.
 * Set only the `VAULT_*` names below, and never a `BAO_*` one that disagrees with them.
 */
export const VaultEnv = {
  /** The vault's URL, e.g. `http://127.0.0.1:8200`. Read by `bao` and by cosign. */
  address: "VAULT_ADDR",
  /** The vault token (secret). Read by `bao` and by cosign. */
  token: "VAULT_TOKEN",
  /**
   * Where the transit engine is mounted, for cosign (default `transit`); `bao` takes the path
   * in argv instead. Set by {@link vaultEnv} when the mount is not the default.
   */
  transitPath: "TRANSIT_SECRET_ENGINE_PATH",
  /** The root token `bao server -dev` creates (secret); see {@link devServerInvocation}. */
  devRootToken: "BAO_DEV_ROOT_TOKEN_ID",
} as const;

/** Where the transit secrets engine is mounted unless told otherwise (cosign's default too). */
export const DEFAULT_TRANSIT_PATH = "transit";

/** The transit key type the lab signs with: ECDSA P-256, as cosign's own key pairs. */
export const TRANSIT_KEY_TYPE = "ecdsa-p256";

/** The cosign key reference scheme of a transit key (sigstore's hashivault KMS). */
export const HASHIVAULT_SCHEME = "hashivault://";

/**
 * A transit key name as both the transit engine (`keys/<name>`) and cosign's hashivault KMS
 * (`^hashivault://\w(([\w-.]+)?\w)?$`) accept it: ASCII letters, digits and `_`, with `-` and
 * `.` allowed inside.
 */
const TRANSIT_KEY_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
/** A mount path: segments of letters, digits, `_` and `-`, without leading or trailing `/`. */
const MOUNT_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

/** Throws unless `name` is a transit key name cosign can reference. */
export function checkTransitKeyName(name: string): string {
  if (!TRANSIT_KEY_NAME.test(name)) {
    throw new Error(
      `not a transit key name: ${JSON.stringify(name)} (letters, digits and _, with - and . inside; as cosign's hashivault://<key> requires)`,
    );
  }
  return name;
}

function checkMountPath(path: string): string {
  if (!MOUNT_PATH.test(path)) {
    throw new Error(`not a transit mount path: ${JSON.stringify(path)} (segments of letters, digits, _ and -, no leading or trailing /)`);
  }
  return path;
}

/** cosign's `--key` for a transit key: `hashivault://<name>`. */
export function transitKeyRef(name: string): string {
  return `${HASHIVAULT_SCHEME}${checkTransitKeyName(name)}`;
}

/**
 * The step environment for the vault at `address` with `token` (for `bao` and for cosign's
 * `hashivault://` keys), plus the transit mount for cosign when it is not the default.
 */
export function vaultEnv(options: {
  readonly address: string;
  readonly token: string;
  readonly transitPath?: string;
}): Record<string, string> {
  const transitPath = checkMountPath(options.transitPath ?? DEFAULT_TRANSIT_PATH);
  return {
    [VaultEnv.address]: options.address,
    [VaultEnv.token]: options.token,
    ...(transitPath === DEFAULT_TRANSIT_PATH ? {} : { [VaultEnv.transitPath]: transitPath }),
  };
}

/** Options shared by every vault step. */
export interface VaultStepOptions {
  /** The bao binary (the vault CLI is argv-compatible). Default `bao` on PATH. */
  readonly bao?: string;
  /** Each command is stopped after this long. Default 60. */
  readonly timeoutSeconds?: number;
}

/** Options of a step on the transit engine. */
export interface TransitStepOptions extends VaultStepOptions {
  /** Where the transit engine is mounted. Default {@link DEFAULT_TRANSIT_PATH}. */
  readonly path?: string;
}

const LOOPBACK_LISTEN = /^(?:127\.0\.0\.1|\[::1\]):(\d{1,5})$/;

/**
 * `bao server -dev`: an in-memory, unsealed OpenBao for the lab and its tests, never a
 * production vault. Long-running, so not a step: the caller starts it as a child process and
 * stops it. It must listen on loopback only (it has a known root token); its cluster listener
 * takes the next port too. The root token comes from {@link VaultEnv.devRootToken} in the
 * caller's environment (a `-dev-root-token-id` flag would show it in `ps`), and
 * `-dev-no-store-token` keeps it out of `~/.vault-token`.
 */
export function devServerInvocation(options: { readonly listenAddress: string; readonly bao?: string }): ToolInvocation {
  const match = LOOPBACK_LISTEN.exec(options.listenAddress);
  const port = Number(match?.[1]);
  if (!match || port < 1 || port > 65534) {
    throw new Error(`the dev vault must listen on loopback (127.0.0.1:PORT or [::1]:PORT), not ${JSON.stringify(options.listenAddress)}`);
  }
  return {
    argv: [
      options.bao ?? "bao",
      "server",
      "-dev",
      `-dev-listen-address=${options.listenAddress}`,
      "-dev-no-store-token",
      "-log-level=warn",
    ],
  };
}

/**
 * Polls the unauthenticated `sys/seal-status` of the vault at VAULT_ADDR until it reports
 * unsealed, so that nothing enables engines on a vault that is still starting. Never hangs.
 */
export function waitForVaultStep(options: VaultStepOptions & { readonly pollSeconds?: number } = {}): StepScript {
  const pollSeconds = options.pollSeconds ?? 30;
  return {
    timeoutSeconds: options.timeoutSeconds ?? 60,
    invocations: [
      {
        argv: [options.bao ?? "bao", "read", "-field=sealed", "sys/seal-status"],
        pollUntil: {
          stdout: "false",
          timeoutSeconds: pollSeconds,
          failure: `the vault at ${VaultEnv.address} did not report unsealed within ${pollSeconds}s (is bao server running?)`,
        },
      },
    ],
  };
}

/**
 * `bao secrets enable -path=<path> transit`. Not idempotent: the vault refuses a path that is
 * already in use ("path is already in use at transit/").
 */
export function enableTransitStep(options: TransitStepOptions = {}): StepScript {
  const path = checkMountPath(options.path ?? DEFAULT_TRANSIT_PATH);
  return {
    timeoutSeconds: options.timeoutSeconds ?? 60,
    invocations: [{ argv: [options.bao ?? "bao", "secrets", "enable", `-path=${path}`, "transit"] }],
  };
}

/**
 * `bao write -f <path>/keys/<name> type=ecdsa-p256`: a signing key that never leaves the
 * vault (not exportable). Prints the key as JSON; read it with {@link parseTransitKey}, which
 * also checks the type: transit answers with the existing key, whatever its type, when the
 * name is taken.
 */
export function createTransitKeyStep(options: TransitStepOptions & { readonly name: string }): StepScript {
  const path = checkMountPath(options.path ?? DEFAULT_TRANSIT_PATH);
  const name = checkTransitKeyName(options.name);
  return {
    timeoutSeconds: options.timeoutSeconds ?? 60,
    invocations: [{ argv: [options.bao ?? "bao", "write", "-format=json", "-f", `${path}/keys/${name}`, `type=${TRANSIT_KEY_TYPE}`] }],
  };
}

/** A transit key as the vault describes it. */
export interface TransitKey {
  readonly name: string;
  readonly type: string;
  readonly latestVersion: number;
  /** PEM of the latest version's public key. */
  readonly publicKeyPem: string;
  readonly exportable: boolean;
}

interface TransitKeyResponse {
  data?: {
    name?: unknown;
    type?: unknown;
    latest_version?: unknown;
    exportable?: unknown;
    keys?: Record<string, { public_key?: unknown } | undefined>;
  };
}

/**
 * Reads the JSON that {@link createTransitKeyStep} printed and checks that the key is a
 * non-exportable {@link TRANSIT_KEY_TYPE} signing key.
 */
export function parseTransitKey(stdout: string): TransitKey {
  let response: TransitKeyResponse;
  try {
    response = JSON.parse(stdout) as TransitKeyResponse;
  } catch {
    throw new Error("the vault's answer about the transit key is not JSON");
  }
  const data = response?.data;
  const latestVersion = data?.latest_version;
  const publicKeyPem = typeof latestVersion === "number" ? data?.keys?.[String(latestVersion)]?.public_key : undefined;
  if (
    typeof data?.name !== "string" ||
    typeof data.type !== "string" ||
    typeof latestVersion !== "number" ||
    typeof publicKeyPem !== "string"
  ) {
    throw new Error("the vault's answer lacks the transit key's name, type, latest version or public key");
  }
  if (data.type !== TRANSIT_KEY_TYPE) {
    throw new Error(
      `transit key ${data.name} exists with type ${data.type}, not ${TRANSIT_KEY_TYPE} (transit keeps an existing key's type)`,
    );
  }
  if (data.exportable !== false) {
    throw new Error(`transit key ${data.name} is exportable: the lab's signing key must never leave the vault`);
  }
  return { name: data.name, type: data.type, latestVersion, publicKeyPem, exportable: false };
}
