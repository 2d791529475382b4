/**
 * `@signed-image-lab/components/testing`: Pulumi mocks that know the lab's resources, for unit
 * specs of a program that uses the components (no engine, no tools run).
 */
import { pemBlock, publicKeyFingerprint, STEP_DELETE_SCRIPT_ENV, STEP_ENV_NAMES_ENV, STEP_SCRIPT_ENV } from "@signed-image-lab/tooling";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { SigningKeyMaterial } from "../lib/signing-key.js";

/** A resource the program registered, as the mocks saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: mirrors pulumi.runtime.Mocks, whose inputs and state are any
  readonly inputs: Record<string, any>;
  readonly custom: boolean;
}

/** A syntactically real cosign key pair (not a usable key) for mocked key generation. */
export const FAKE_PUBLIC_KEY =
  "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfakefakefakefakefakefakefakefake\n-----END PUBLIC KEY-----\n";
export const FAKE_PRIVATE_KEY = pemBlock("ENCRYPTED SIGSTORE PRIVATE KEY", "ZmFrZQ==");

/** Key material as a SigningKey gives it, with the fake pair and password `key-pw`. */
export function fakeKeyMaterial(publicKeyPem = FAKE_PUBLIC_KEY): SigningKeyMaterial {
  return {
    keyRef: pulumi.output("env://COSIGN_PRIVATE_KEY"),
    signerEnvironment: pulumi.secret<Record<string, string>>({ COSIGN_PRIVATE_KEY: FAKE_PRIVATE_KEY, COSIGN_PASSWORD: "key-pw" }),
    publicKeyPem: pulumi.output(publicKeyPem),
    publicKeyFingerprint: pulumi.output(publicKeyFingerprint(publicKeyPem)),
  };
}

/** What a mocked TSA key step prints: a key and a two-certificate chain (not usable ones). */
export const FAKE_TSA_PRIVATE_KEY = pemBlock("PRIVATE KEY", "dHNhLWtleQ==");
export const FAKE_TSA_CHAIN = pemBlock("CERTIFICATE", "dHNhLWxlYWY=") + pemBlock("CERTIFICATE", "dHNhLXJvb3Q=");
/** What a mocked log key step prints (not a usable key). */
export const FAKE_LOG_PRIVATE_KEY = pemBlock("PRIVATE KEY", "bG9nLWtleQ==");
export const FAKE_LOG_PUBLIC_KEY = pemBlock("PUBLIC KEY", "bG9nLXB1Yg==");
/** What a mocked `cosign trusted-root create` prints. */
export const FAKE_TRUSTED_ROOT = JSON.stringify({
  mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  timestampAuthorities: [{ uri: "fake" }],
});

function fakeDigest(seed: string): string {
  return `sha256:${createHash("sha256").update(seed).digest("hex")}`;
}

/** What a mocked Command prints, by the step its name ends with. */
/** When a build clock says a build started: before the fake inspection's creation time. */
export const FAKE_BUILD_STARTED = "2026-11-24T23:00:00Z";

function fakeStdout(name: string, script: string): string {
  const digest = /sha256:[a-f0-9]{64}/.exec(script)?.[0] ?? "";
  if (name.endsWith("-generate")) return FAKE_PRIVATE_KEY + FAKE_PUBLIC_KEY;
  if (name.endsWith("-log-key")) return FAKE_LOG_PRIVATE_KEY + FAKE_LOG_PUBLIC_KEY;
  if (name.endsWith("-public-key")) return FAKE_PUBLIC_KEY;
  if (name.endsWith("-scan")) return `${JSON.stringify({ sha256: fakeDigest(script).slice(7), packages: 42 })}\n`;
  if (name.endsWith("-inspect")) return JSON.stringify({ Digest: digest, Layers: [fakeDigest("layer")], Created: "2026-11-25T00:00:00Z" });
  if (name.endsWith("-triangulate")) return `localhost:5001/x:${digest.replace(":", "-")}.sig\n`;
  if (name.endsWith("-ready")) return "200\n";
  // oras resolve of the target, the last digest reference of the script.
  if (name.endsWith("-promote")) return `${[...script.matchAll(/[A-Za-z0-9.:/_-]+@sha256:[a-f0-9]{64}/g)].pop()?.[0] ?? ""}\n`;
  if (name.endsWith("-build-clock")) return `${FAKE_BUILD_STARTED}\n`;
  // sha256sum of the archive the step wrote, as its last line.
  if (name.endsWith("-archive")) return `${fakeDigest(script).slice(7)}  ${/sha256sum '?([^'\s]+)/.exec(script)?.[1] ?? ""}\n`;
  if (name.endsWith("-base")) return `[] ${fakeDigest("base-image-id")}\n`;
  if (name.endsWith("-htpasswd-seed")) return "5eed".repeat(16);
  if (name.endsWith("-key")) {
    return JSON.stringify({
      data: {
        name: "lab-signer",
        type: "ecdsa-p256",
        latest_version: 1,
        exportable: false,
        keys: { "1": { public_key: FAKE_PUBLIC_KEY } },
      },
    });
  }
  if (name.endsWith("-certificates")) {
    return FAKE_TSA_PRIVATE_KEY + FAKE_TSA_CHAIN;
  }
  if (name.endsWith("-trusted-root")) return `${FAKE_TRUSTED_ROOT}\n`;
  if (name.endsWith("-ca") || name.endsWith("-server-certificate")) {
    return pemBlock("PRIVATE KEY", "ZmFrZQ==") + pemBlock("CERTIFICATE", "ZmFrZQ==");
  }
  return "";
}

/**
 * Pulumi mocks that record every registration and give each resource the outputs the real
 * provider would: a digest for pushed images, a plausible stdout for each Command step.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  /** What a stack reference reads as the referenced stack's outputs (the previous update's). */
  stackOutputs: Record<string, unknown> = {};

  // biome-ignore lint/suspicious/noExplicitAny: mirrors pulumi.runtime.Mocks, whose inputs and state are any
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom ?? true });
    // biome-ignore lint/suspicious/noExplicitAny: mirrors pulumi.runtime.Mocks, whose inputs and state are any
    const state: Record<string, any> = { ...args.inputs };
    if (args.type === "command:local:Command") {
      state.stdout = fakeStdout(args.name, String(plain(args.inputs.environment)?.[STEP_SCRIPT_ENV] ?? ""));
      state.stderr = "";
    }
    if (args.type === "docker:index/image:Image") {
      const repository = String(args.inputs.imageName).replace(/:[^:/]+$/, "");
      state.repoDigest = `${repository}@${fakeDigest(JSON.stringify(args.inputs))}`;
    }
    if (args.type === "docker:index/remoteImage:RemoteImage") {
      state.imageId = fakeDigest(String(args.inputs.name));
    }
    if (args.type === "pulumi:pulumi:StackReference") {
      state.outputs = this.stackOutputs;
      state.secretOutputNames = [];
    }
    if (args.type === "docker:index/volume:Volume") {
      state.name = `${args.name}-volume`;
    }
    return { id: `${args.name}-id`, state };
  }

  // biome-ignore lint/suspicious/noExplicitAny: mirrors pulumi.runtime.Mocks, whose inputs and state are any
  call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    return args.inputs;
  }

  /** Every recorded resource of `type`. */
  ofType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one recorded custom resource named `name` (or of `type`); throws if there is none. */
  named(name: string, type?: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name && (type ? r.type === type : r.custom));
    if (!found) throw new Error(`no resource named ${name}; have ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";

/** True when a recorded input value was marked secret when it was registered. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK;
}

/** True when a recorded input is, or holds anywhere inside it, a secret. */
export function holdsSecretInput(value: unknown): boolean {
  if (isSecretInput(value)) return true;
  if (typeof value === "object" && value !== null) return Object.values(value).some(holdsSecretInput);
  return false;
}

/** A recorded input with every secret wrapper removed, for asserting on its plain value. */
// biome-ignore lint/suspicious/noExplicitAny: mirrors pulumi.runtime.Mocks, whose inputs and state are any
export function plain(value: unknown): any {
  if (isSecretInput(value)) return plain((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** The step script a recorded Command runs (it travels in the Command's environment). */
export function scriptOf(resource: RecordedResource): string {
  return String(plain(resource.inputs.environment)?.[STEP_SCRIPT_ENV] ?? "");
}

/** The variables a recorded Command hands its step, without the scripts themselves and the list of names. */
export function stepEnvironment(resource: RecordedResource): Record<string, string> {
  const {
    [STEP_SCRIPT_ENV]: _script,
    [STEP_DELETE_SCRIPT_ENV]: _deleteScript,
    [STEP_ENV_NAMES_ENV]: _names,
    ...rest
  } = plain(resource.inputs.environment) ?? {};
  return rest as Record<string, string>;
}

/** The script a recorded Command runs when it is deleted. */
export function deleteScriptOf(resource: RecordedResource): string {
  return String(plain(resource.inputs.environment)?.[STEP_DELETE_SCRIPT_ENV] ?? "");
}

/** The value of an Output, once resolved. */
export function outputValue<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** URNs of everything registered so far; a child's URN type names its parent's type. */
export function registeredUrns(): string[] {
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources?: () => Map<string, unknown> };
  return [...(monitor.getRegisteredResources?.().keys() ?? [])];
}

/**
 * Installs fresh recording mocks (default project `signed-image-lab`, stack `dev`) with the
 * given config (full keys, `project:key`) of which `secretKeys` are secret.
 */
export async function installRecordingMocks(
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  project = "signed-image-lab",
  stack = "dev",
): Promise<RecordingMocks> {
  const mocks = new RecordingMocks();
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(mocks, project, stack, false, "organization");
  return mocks;
}
