import * as pulumi from "@pulumi/pulumi";
import { LabConfigError, parseLabConfig, type LabConfig, type RawConfig } from "./lab-config.js";

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

/**
 * Reads every key of the project's config namespace from the running stack and validates it
 * with {@link parseLabConfig}, before any resource is registered. Unknown keys (typos) are
 * errors too; a bad config throws a `pulumi.RunError` naming every bad key. Secret values are read here once, in plain text, and must be wrapped with
 * `pulumi.secret` wherever they leave the returned object.
 */
export function loadLabConfig(namespace: string = pulumi.getProject()): LabConfig {
  const prefix = `${namespace}:`;
  const raw: Record<string, string | undefined> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = value;
    if (isConfigSecret(fullKey)) secretKeys.add(key);
  }
  try {
    return parseLabConfig(namespace, raw as RawConfig, secretKeys);
  } catch (error) {
    if (error instanceof LabConfigError) throw stacklessRunError(error.message);
    throw error;
  }
}
