import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  generateKeyPairStep,
  pipelineOptions,
  pipelineStep,
  PRIVATE_KEY_FROM_ENV,
  PublicEnv,
  runPipeline,
  runStep,
  runStepOrThrow,
  SecretEnv,
  splitCosignKeyPair,
  type SignatureFormat,
  type StepInputs,
  type StepResult,
} from "@signed-image-lab/tooling";
import type { LabTools } from "./lab-tools.js";

/** A cosign key pair made by the lab's generate step, with its password. */
export interface TestKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly password: string;
}

/** Generates a key pair non-interactively, exactly as the SigningKey component does. */
export async function generateKey(tools: LabTools, password: string): Promise<TestKey> {
  const stdout = await runStepOrThrow("cosign generate-key-pair", generateKeyPairStep({ cosign: tools.cosign }), {
    [SecretEnv.cosignPassword]: password,
  });
  return { ...splitCosignKeyPair(stdout), password };
}

/** The environment that lets cosign sign with `key`. */
export function signerEnv(key: TestKey): Record<string, string> {
  return { [SecretEnv.cosignPrivateKey]: key.privateKeyPem, [SecretEnv.cosignPassword]: key.password };
}

/** The environment that lets cosign verify with `key`'s public key. */
export function verifierEnv(key: TestKey): Record<string, string> {
  return { [PublicEnv.cosignPublicKey]: key.publicKeyPem };
}

/** The pipeline's options for a signing spec: this format, the spec's tools. */
function signingOptions(tools: LabTools, format: SignatureFormat) {
  return pipelineOptions({ signatureFormat: format, tools: { cosign: tools.cosign, node: tools.node } });
}

/** Signs `ref` with `key`: the pipeline's own sign step, run by the local runner. */
export async function sign(
  tools: LabTools,
  ref: string,
  key: TestKey,
  registryEnv: Record<string, string> = {},
  format: SignatureFormat = "legacy",
): Promise<void> {
  await runPipeline({
    name: ref,
    options: signingOptions(tools, format),
    values: { ref, keyRef: PRIVATE_KEY_FROM_ENV },
    environments: { signer: signerEnv(key), registry: registryEnv },
    steps: ["sign"],
  });
}

/** Runs the pipeline's own verify step of `ref` against `key`; the verdict is the exit code. */
export function verify(
  tools: LabTools,
  ref: string,
  key: TestKey,
  registryEnv: Record<string, string> = {},
  format: SignatureFormat = "legacy",
): Promise<StepResult> {
  const inputs = { ref, sign: ref } as StepInputs;
  return runStep(pipelineStep("verify").script(inputs, signingOptions(tools, format)), { ...verifierEnv(key), ...registryEnv });
}

/** The sha256 of a file, as the scan summary reports it: what attest and attach check before they run. */
export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
