import type { StepScript } from "../core/step-script.js";

/** Options of {@link waitForRegistryStep}. */
export interface WaitForRegistryOptions {
  /** `host:port` of the registry. */
  readonly endpoint: string;
  /** `/v2/` answers 401 when htpasswd auth is on, 200 when it is off. */
  readonly authEnabled: boolean;
  /** Give up after this long. Default 60. */
  readonly timeoutSeconds?: number;
  /** `https` when the registry serves TLS. Default `http`. */
  readonly scheme?: "http" | "https";
  /** CA bundle that signed the registry's certificate (https only). */
  readonly caFile?: string;
  /** The curl binary. Default `curl` on PATH. */
  readonly curl?: string;
}

/** The status `/v2/` answers once the registry serves: 401 with auth, 200 without. */
export function expectedV2Status(authEnabled: boolean): string {
  return authEnabled ? "401" : "200";
}

/**
 * Polls `/v2/` until it answers the status that proves the registry is up with the expected
 * auth mode, so that nothing downstream pushes into a registry that is still starting.
 */
export function waitForRegistryStep(options: WaitForRegistryOptions): StepScript {
  const scheme = options.scheme ?? "http";
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  const status = expectedV2Status(options.authEnabled);
  const url = `${scheme}://${options.endpoint}/v2/`;
  return {
    invocations: [
      {
        argv: [
          options.curl ?? "curl",
          "--silent",
          "--output",
          "/dev/null",
          "--max-time",
          "2",
          "--write-out",
          "%{http_code}",
          ...(options.caFile ? ["--cacert", options.caFile] : []),
          url,
        ],
        pollUntil: {
          stdout: status,
          timeoutSeconds,
          failure: `registry ${options.endpoint} did not answer ${url} with HTTP ${status} within ${timeoutSeconds}s`,
        },
      },
    ],
  };
}

/**
 * Draws the registry's htpasswd salt seed: 32 random bytes from the kernel, hex on stdout. Its
 * Command runs once per registry and keeps the seed as a secret output, so salts are random
 * per stack yet stable between updates.
 */
export function htpasswdSeedStep(options: { readonly node?: string } = {}): StepScript {
  return {
    invocations: [{ argv: [options.node ?? "node", "-e", 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))'] }],
  };
}
