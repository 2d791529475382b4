import { parseDigestRef } from "../core/image-ref.js";
import { LAB_DEFAULTS } from "../config/lab-config-schema.js";
import type { SignatureFormat } from "../commands/cosign-commands.js";
import { pipelineOptions } from "../pipeline/pipeline.js";
import { PipelineStepError, runPipeline } from "../pipeline/pipeline-runner.js";
import type { SbomFormat } from "../core/sbom-formats.js";
import { manifestServedStep } from "../commands/manifest-commands.js";
import { inspectTagStep } from "../commands/skopeo-commands.js";
import { PublicEnv, type StepScript } from "../core/step-script.js";
import { renderTextTable } from "../core/text-table.js";
import type { StepResult } from "../core/step-runner.js";

/** One image as the stack says it is deployed (`pulumi stack output --json`, `images.<name>`). */
export interface DeployedImage {
  readonly digestRef: string;
  /** The tag that was pushed with it; checked to still point at the digest. */
  readonly taggedRef?: string;
  /** Set when the stack attested the SBOM; then the attestation must still verify. */
  readonly attestedRef?: string;
  readonly sbomPackageCount?: number;
}

/** What `lab:status` reads: the stack outputs it needs. */
export interface DeployedLab {
  /** The signing key's public half. */
  readonly publicKey: string;
  /** The key the stack verifies with when it pinned one (`verifyPublicKey` config): status verifies with it too. */
  readonly verifyPublicKey?: string;
  readonly signatureFormat: SignatureFormat;
  readonly sbomFormat: SbomFormat;
  readonly images: Readonly<Record<string, DeployedImage>>;
  /** CA certificate file of a registry that serves TLS with a private CA (`registryTls`). */
  readonly registryCaFile?: string;
}

/** The verdict for one image, checked against the registry now. */
export interface ImageStatus {
  readonly name: string;
  readonly digest: string;
  /** Whether the registry serves the digest's manifest; nothing else is checked when it does not. */
  readonly served: boolean;
  /** "same", "moved to sha256:…", or "-" when no tag was pushed. */
  readonly tag: string;
  readonly signed: boolean;
  /** undefined when the stack did not attest. */
  readonly attested?: boolean;
  readonly packages?: number;
  /** Why the image is not as deployed; empty when it is. */
  readonly problems: readonly string[];
}

/** Runs a step; `runStep` from the step runner, or a stand-in in unit specs. */
export type StepRun = (step: StepScript, env: Record<string, string>) => Promise<StepResult>;

/** Tool binaries for the checks. Default each on PATH. */
export interface StatusTools {
  readonly cosign?: string;
  readonly skopeo?: string;
  readonly node?: string;
}

/** Validates `pulumi stack output --json`; throws naming what is missing. */
export function parseDeployedLab(json: string): DeployedLab {
  const outputs = JSON.parse(json) as Partial<DeployedLab>;
  if (typeof outputs.publicKey !== "string") throw new Error("stack outputs have no publicKey: is the lab up?");
  if (!outputs.images || Object.keys(outputs.images).length === 0) throw new Error("stack outputs list no images: is the lab up?");
  for (const [name, image] of Object.entries(outputs.images)) {
    parseDigestRef(image.digestRef, `images.${name}.digestRef`);
  }
  return {
    publicKey: outputs.publicKey,
    verifyPublicKey: outputs.verifyPublicKey,
    // A stack from before these outputs existed used the config's defaults.
    signatureFormat: outputs.signatureFormat ?? LAB_DEFAULTS.signatureFormat,
    sbomFormat: outputs.sbomFormat ?? LAB_DEFAULTS.sbomFormat,
    images: outputs.images,
    registryCaFile: outputs.registryCaFile,
  };
}

/**
 * The line of a tool's stderr that says what went wrong: its `Error…` line first (a step's own
 * shell may print a line before it, e.g. when another step's temp folder vanished under its
 * sweep), else a line that reads as a refusal, else the last line.
 */
export function errorLine(text: string): string {
  const lines = text.split("\n");
  return (
    lines.find((l) => /\berror\b/i.test(l))?.trim() ??
    lines.find((l) => /no |did not|rejected|denied|unauthorized/i.test(l))?.trim() ??
    text.trim().split("\n").pop() ??
    ""
  );
}

/**
 * Re-checks one deployed image against the registry as it is now: the registry serves its
 * manifest (first: signatures of a digest verify without it, so without it nothing else counts),
 * the tag still points at the digest, the signature verifies with the key the stack verifies
 * with, the SBOM attestation too.
 */
export async function checkDeployedImage(
  name: string,
  image: DeployedImage,
  lab: DeployedLab,
  run: StepRun,
  registryEnv: Record<string, string> = {},
  tools: StatusTools = {},
): Promise<ImageStatus> {
  const { digest } = parseDigestRef(image.digestRef, `images.${name}.digestRef`);
  const problems: string[] = [];

  const manifest = await run(
    manifestServedStep({ ref: image.digestRef, registryCaFile: lab.registryCaFile, node: tools.node }),
    registryEnv,
  );
  if (manifest.exitCode !== 0) {
    // The check's own line names the digest; the step's closing "node failed" line says less.
    problems.push(
      `manifest: ${
        manifest.stderr
          .split("\n")
          .find((l) => l.trim() !== "")
          ?.trim() ?? "not served"
      }`,
    );
    return { name, digest, served: false, tag: "-", signed: false, attested: image.attestedRef ? false : undefined, problems };
  }

  let tag = "-";
  if (image.taggedRef) {
    const inspected = await run(
      inspectTagStep({ taggedRef: image.taggedRef, skopeo: tools.skopeo, registryCaFile: lab.registryCaFile }),
      registryEnv,
    );
    const tagDigest = inspected.exitCode === 0 ? (JSON.parse(inspected.stdout) as { Digest?: string }).Digest : undefined;
    tag = tagDigest === digest ? "same" : tagDigest ? `moved to ${tagDigest.slice(0, 19)}…` : "unreadable";
    if (tagDigest !== digest) {
      problems.push(
        `tag ${image.taggedRef} ${tagDigest ? `now points to ${tagDigest}` : `cannot be read: ${errorLine(inspected.stderr)}`}`,
      );
    }
  }

  // The pipeline's own verify steps, run now against the deployed digest.
  const options = pipelineOptions({
    signatureFormat: lab.signatureFormat,
    sbom: { format: lab.sbomFormat },
    registryCaFile: lab.registryCaFile,
    tools,
  });
  const recheck = async (step: "verify" | "verify-attestation"): Promise<string | undefined> => {
    const handedIn = { sign: image.digestRef, attest: image.digestRef, scan: { sha256: "", packages: image.sbomPackageCount ?? 0 } };
    const environments = { verifier: { [PublicEnv.cosignPublicKey]: lab.verifyPublicKey ?? lab.publicKey }, registry: registryEnv };
    try {
      await runPipeline({ name, options, values: { ref: image.digestRef }, environments, steps: [step], results: handedIn, run });
      return undefined;
    } catch (error) {
      if (error instanceof PipelineStepError) return errorLine(error.result.stderr);
      throw error;
    }
  };

  const signatureProblem = await recheck("verify");
  if (signatureProblem !== undefined) problems.push(`signature: ${signatureProblem}`);

  let attested: boolean | undefined;
  if (image.attestedRef) {
    const attestationProblem = await recheck("verify-attestation");
    attested = attestationProblem === undefined;
    if (!attested) problems.push(`attestation: ${attestationProblem}`);
  }
  return { name, digest, served: true, tag, signed: signatureProblem === undefined, attested, packages: image.sbomPackageCount, problems };
}

/** The summary table people read after `up` and from `lab:status`. */
export function renderStatusTable(statuses: readonly ImageStatus[]): string {
  const yesNo = (v: boolean | undefined) => (v === undefined ? "-" : v ? "yes" : "NO");
  const lines = renderTextTable(
    ["image", "digest", "served", "tag", "signed+verified", "attested", "SBOM packages"],
    statuses.map((s) => [
      s.name,
      `${s.digest.slice(0, 19)}…`,
      yesNo(s.served),
      s.tag,
      yesNo(s.signed),
      yesNo(s.attested),
      s.packages === undefined ? "-" : String(s.packages),
    ]),
  );
  const problems = statuses.flatMap((s) => s.problems.map((p) => `${s.name}: ${p}`));
  return [...lines, ...(problems.length > 0 ? ["", "MISMATCH:", ...problems.map((p) => `  ${p}`)] : ["", "all images as deployed"])].join(
    "\n",
  );
}
