import {
  attestStep,
  parseTimestampAuthorityKey,
  PRIVATE_KEY_FROM_ENV,
  PublicEnv,
  runStep,
  runStepOrThrow,
  signStep,
  timestampAuthorityKeyStep,
  TimestampEnv,
  trustedRootStep,
  verifyAttestationStep,
  verifyStep,
  type StepResult,
  type TimestampAuthorityKey,
} from "@signed-image-lab/tooling";
import type { LabFixture, TestTimestampAuthority } from "./lab-fixture.js";
import type { LabTools } from "./lab-tools.js";
import { signerEnv, verifierEnv, type TestKey } from "./signing.js";

/** A running timestamp authority with its key and the trusted root that names it. */
export interface TestAuthority extends TestTimestampAuthority {
  readonly key: TimestampAuthorityKey;
  /** The Sigstore trusted root JSON `cosign trusted-root create` made for it. */
  readonly trustedRoot: string;
}

/** Makes a TSA key with the lab's step, starts the server and makes its trusted root, as the component does. */
export async function startAuthority(lab: LabFixture, tools: LabTools, commonName: string): Promise<TestAuthority> {
  const key = parseTimestampAuthorityKey(await runStepOrThrow("TSA key", timestampAuthorityKeyStep({ commonName })));
  const started = await lab.startTimestampAuthority(key);
  const trustedRoot = await runStepOrThrow("cosign trusted-root create", trustedRootStep({ tsaUrl: started.url, cosign: tools.cosign }), {
    [TimestampEnv.certificateChain]: key.certificateChainPem,
  });
  return { ...started, key, trustedRoot };
}

/** Signs `ref` with a timestamp from `tsa` (bundle format), as the SignedImage component does in `timestamps` mode. */
export function signWithTimestamp(tools: LabTools, ref: string, key: TestKey, tsa: TestAuthority, registryEnv: Record<string, string>): Promise<StepResult> {
  return runStep(signStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format: "bundle", timestamps: { tsaUrl: tsa.url }, cosign: tools.cosign }), {
    ...signerEnv(key),
    [PublicEnv.trustedRoot]: tsa.trustedRoot,
    ...registryEnv,
  });
}

/** Attests `predicateFile` on `ref` with a timestamp from `tsa`, as the SbomAttestation component does in `timestamps` mode. */
export function attestWithTimestamp(
  tools: LabTools,
  ref: string,
  key: TestKey,
  tsa: TestAuthority,
  predicateFile: string,
  registryEnv: Record<string, string>,
): Promise<StepResult> {
  return runStep(
    attestStep({
      ref, keyRef: PRIVATE_KEY_FROM_ENV, predicateFile, sbomFormat: "spdx-json", format: "bundle", timestamps: { tsaUrl: tsa.url }, cosign: tools.cosign,
    }),
    { ...signerEnv(key), [PublicEnv.trustedRoot]: tsa.trustedRoot, ...registryEnv },
  );
}

/** The component's verify step in `timestamps` mode: the key, and a signed timestamp from a TSA of `trustedRoot`. */
export function verifyWithTimestamps(tools: LabTools, ref: string, key: TestKey, trustedRoot: string, registryEnv: Record<string, string>): Promise<StepResult> {
  return runStep(verifyStep({ ref, format: "bundle", signedTimestamps: true, cosign: tools.cosign }), {
    ...verifierEnv(key),
    [PublicEnv.trustedRoot]: trustedRoot,
    ...registryEnv,
  });
}

/** The component's verify-attestation step in `timestamps` mode. */
export function verifyAttestationWithTimestamps(
  tools: LabTools,
  ref: string,
  key: TestKey,
  trustedRoot: string,
  registryEnv: Record<string, string>,
): Promise<StepResult> {
  return runStep(verifyAttestationStep({ ref, sbomFormat: "spdx-json", format: "bundle", signedTimestamps: true, cosign: tools.cosign }), {
    ...verifierEnv(key),
    [PublicEnv.trustedRoot]: trustedRoot,
    ...registryEnv,
  });
}
