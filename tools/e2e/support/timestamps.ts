import {
  attestStep,
  logKeyStep,
  parseLogKey,
  parseTimestampAuthorityKey,
  RekorEnv,
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
  type LogKey,
  type StepResult,
  type TimestampAuthorityKey,
} from "@signed-image-lab/tooling";
import type { LabFixture, TestTimestampAuthority } from "./lab-fixture.js";
import type { LabTools } from "./lab-tools.js";
import { signerEnv, verifierEnv, type TestKey, fileSha256 } from "./signing.js";

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

/** A running Rekor v2 log with its key. */
export interface TestLog {
  readonly url: string;
  readonly container: string;
  readonly key: LogKey;
}

/** Makes a log key with the lab's step and starts Rekor v2 with it, as the TransparencyLog component does. */
export async function startLog(lab: LabFixture): Promise<TestLog> {
  const key = parseLogKey(await runStepOrThrow("log key", logKeyStep()));
  return { ...(await lab.startTransparencyLog(key)), key };
}

/** The trusted root of `tsa` and `log` (whose public key may be another's), as the component makes it for `timestamps+log`. */
export function trustedRootWithLog(
  tools: LabTools,
  tsa: TestAuthority,
  log: { readonly url: string; readonly publicKeyPem: string },
): Promise<string> {
  return runStepOrThrow(
    "cosign trusted-root create (with the log)",
    trustedRootStep({ tsaUrl: tsa.url, log: { url: log.url }, cosign: tools.cosign }),
    {
      [TimestampEnv.certificateChain]: tsa.key.certificateChainPem,
      [RekorEnv.publicKey]: log.publicKeyPem,
    },
  );
}

/** Where and with which trusted root to sign with a timestamp (and a log entry). */
export interface TimestampedSigning {
  readonly tsa: TestAuthority;
  /** The trusted root the signing step gets. Default the TSA's own. */
  readonly trustedRoot?: string;
  /** Log every signature in this Rekor v2 log too. */
  readonly logUrl?: string;
}

function signingOf(signing: TestAuthority | TimestampedSigning): TimestampedSigning {
  return "tsa" in signing ? signing : { tsa: signing };
}

/** Signs `ref` with a timestamp from `tsa` (bundle format), as the SignedImage component does in `timestamps` mode. */
export function signWithTimestamp(
  tools: LabTools,
  ref: string,
  key: TestKey,
  signing: TestAuthority | TimestampedSigning,
  registryEnv: Record<string, string>,
): Promise<StepResult> {
  const { tsa, trustedRoot, logUrl } = signingOf(signing);
  return runStep(
    signStep({ ref, keyRef: PRIVATE_KEY_FROM_ENV, format: "bundle", timestamps: { tsaUrl: tsa.url, logUrl }, cosign: tools.cosign }),
    {
      ...signerEnv(key),
      [PublicEnv.trustedRoot]: trustedRoot ?? tsa.trustedRoot,
      ...registryEnv,
    },
  );
}

/** Attests `predicateFile` on `ref` with a timestamp from `tsa`, as the SbomAttestation component does in `timestamps` mode. */
export function attestWithTimestamp(
  tools: LabTools,
  ref: string,
  key: TestKey,
  signing: TestAuthority | TimestampedSigning,
  predicateFile: string,
  registryEnv: Record<string, string>,
): Promise<StepResult> {
  const { tsa, trustedRoot, logUrl } = signingOf(signing);
  return runStep(
    attestStep({
      ref,
      keyRef: PRIVATE_KEY_FROM_ENV,
      predicateFile,
      sbomFormat: "spdx-json",
      sbomSha256: fileSha256(predicateFile),
      format: "bundle",
      timestamps: { tsaUrl: tsa.url, logUrl },
      cosign: tools.cosign,
    }),
    { ...signerEnv(key), [PublicEnv.trustedRoot]: trustedRoot ?? tsa.trustedRoot, ...registryEnv },
  );
}

/** The component's verify step in `timestamps` mode: the key, and a signed timestamp from a TSA of `trustedRoot`. */
export function verifyWithTimestamps(
  tools: LabTools,
  ref: string,
  key: TestKey,
  trustedRoot: string,
  registryEnv: Record<string, string>,
  transparencyLog = false,
): Promise<StepResult> {
  return runStep(verifyStep({ ref, format: "bundle", signedTimestamps: true, transparencyLog, cosign: tools.cosign }), {
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
  transparencyLog = false,
): Promise<StepResult> {
  return runStep(
    verifyAttestationStep({
      ref,
      sbomFormat: "spdx-json",
      format: "bundle",
      signedTimestamps: true,
      transparencyLog,
      cosign: tools.cosign,
    }),
    {
      ...verifierEnv(key),
      [PublicEnv.trustedRoot]: trustedRoot,
      ...registryEnv,
    },
  );
}
