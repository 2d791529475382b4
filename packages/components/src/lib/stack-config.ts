import * as pulumi from "@pulumi/pulumi";
import { LabConfigError, type LabConfig, type RawConfig } from "./lab-config.js";
import { checkRawLabConfig } from "./lab-config-checks.js";

/**
 * Pulumi marks which config keys are secret through `runtime.isConfigSecret`, which its type
 * declarations leave out as internal; it has been there since secrets exist.
 */
const runtimeWithSecrets = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };

function isConfigSecret(fullKey: string): boolean {
  if (!runtimeWithSecrets.isConfigSecret) {
    throw new Error("this @pulumi/pulumi cannot tell secret config keys apart; the lab needs it to keep secrets secret");
  }
  return runtimeWithSecrets.isConfigSecret(fullKey);
}

/**
 * A RunError is reported as its message alone, but the Node.js language host (3.248) still
 * passes it to `util.inspect` for its tracing span; formatting the source-mapped stack of an
 * error thrown while the program loads took 14 s of GC. Without a stack it takes the message.
 */
export function stacklessRunError(message: string): pulumi.RunError {
  const error = new pulumi.RunError(message);
  Object.defineProperty(error, "stack", { value: "", enumerable: false });
  return error;
}

/** Options of {@link loadLabConfig}. */
export interface LoadLabConfigOptions {
  /**
   * The project root relative config paths mean: then the same pass also checks the paths the
   * config names on this machine ({@link checkLabConfig}: build contexts, Dockerfiles, CA files),
   * and one error lists every problem of the schema and of the machine. Default none: the schema only.
   */
  readonly projectRoot?: string;
}

/**
 * Reads every key of the project's config namespace from the running stack and validates it
 * with {@link parseLabConfig} (and, given a project root, {@link checkLabConfig}), before any
 * resource is registered. Unknown keys (typos) are errors too; a bad config throws a
 * `pulumi.RunError` without a stack naming every bad key. Secret values are read here once, in
 * plain text, and must be wrapped with `pulumi.secret` wherever they leave the returned object.
 */
export function loadLabConfig(namespace: string = pulumi.getProject(), options: LoadLabConfigOptions = {}): LabConfig {
  const prefix = `${namespace}:`;
  const raw: Record<string, string | undefined> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  const { config, problems } = checkRawLabConfig(namespace, raw as RawConfig, secretKeys, options.projectRoot);
  if (config === undefined) throw stacklessRunError(new LabConfigError(problems).message);
  return config;
}
