import {
  attachSbomStep,
  attestStep,
  signStep,
  triangulateStep,
  verifyAttestationStep,
  verifyStep,
  type SignatureFormat,
  type TimestampSigning,
} from "../commands/cosign-commands.js";
import type { AttestationPolicyOptions } from "../predicates/attestation-policy.js";
import { attestationPolicyEnv, verifyImagePolicyStep } from "../commands/attestation-policy-commands.js";
import { pinnedBaseImage, resolveBaseImageStep, type BuildInputs } from "./build-facts.js";
import { legacyArtifactRef, parseDigestRef } from "../core/image-ref.js";
import { LAB_BUILD_TYPE, slsaProvenancePredicate, type SlsaProvenancePredicate } from "../predicates/provenance.js";
import { attestProvenanceStep, provenancePredicateEnv, verifyProvenanceStep } from "../commands/provenance-commands.js";
import { promoteStep } from "../commands/promotion-commands.js";
import type { RegistryArtifact } from "../commands/registry-probe.js";
import { SBOM_FORMATS, type SbomFormat } from "../core/sbom-formats.js";
import {
  inspectStep,
  ociArchiveStep,
  parseOciArchive,
  summariseInspection,
  type InspectionSummary,
  type OciArchive,
} from "../commands/skopeo-commands.js";
import { restoreTagStep } from "../commands/manifest-commands.js";
import { createHash } from "node:crypto";
import { renderStepScript, type StepScript } from "../core/step-script.js";
import { parseSbomSummary, scanStep, type SbomScope, type SbomSummary } from "../commands/syft-commands.js";

/** How the SBOM reaches the registry: a signed attestation, the seed's unsigned attachment, or both. */
export type SbomDelivery = "attest" | "attach" | "both";

/**
 * What a drift check can find gone and the lab makes again; each has a repair count. `manifest`:
 * the image itself, gone from the registry (pushed again, then re-signed and re-attested); `tag`:
 * the tag the lab publishes, moved or gone (put back on the verified digest); `ociArchive`: the
 * local OCI archive of the verified digest.
 */
export type Repairable = RegistryArtifact | "sbomFile" | "manifest" | "tag" | "ociArchive";

/** Settings of one image's pipeline that are known when the program starts (plain config, never secret). */
export interface PipelineOptions {
  readonly signatureFormat: SignatureFormat;
  readonly sbom: {
    readonly format: SbomFormat;
    readonly scope: SbomScope;
    readonly delivery: SbomDelivery;
    /** Absolute path of the SBOM file the scan writes. */
    readonly file: string;
  };
  /** Sign and attest with signed timestamps (and log entries); verify requiring them. Default none. */
  readonly timestamps?: TimestampSigning;
  /** CA certificate file of a registry that serves TLS with a private CA. Default none. */
  readonly registryCaFile?: string;
  /**
   * The tag the lab publishes beside the digest (a built image's, e.g. `1.0`): the `tag` step puts
   * it back on the verified digest when it was moved. Default none (an image the lab did not push).
   */
  readonly tag?: string;
  /** Tool binaries. Default each on PATH. */
  readonly tools: {
    readonly cosign?: string;
    readonly syft?: string;
    readonly node?: string;
    readonly skopeo?: string;
    readonly docker?: string;
  };
  /**
   * Attest SLSA v1 provenance of the build, naming this builder, and verify it (needs the
   * `build` value). Default none: an image the lab did not build has no provenance of the lab's.
   */
  readonly provenance?: { readonly builderId: string };
  /**
   * Admit the image only when the attestation policy passes: a signature, an SBOM attestation
   * and provenance from the trusted key, provenance naming the builder and a base pinned by
   * digest, no denied package in the SBOM. Default none.
   */
  readonly policy?: AttestationPolicyOptions;
  /**
   * Copy the admitted image by digest, with its signature and attestations, to another
   * registry (the `promotionRepository` value), then verify it there again (with the policy
   * when there is one). Default none.
   */
  readonly promotion?: {
    /** CA certificate file of the target registry when it serves TLS with a private CA. */
    readonly caFile?: string;
    readonly oras?: string;
  };
  /**
   * Export the verified digest as an OCI archive (the seed's step 1.4, `skopeo copy …
   * oci-archive:`) to this absolute path. Default none.
   */
  readonly ociArchive?: { readonly file: string };
}

/** Values a step reads that become known while the program runs (Pulumi outputs in the adapter). */
export interface PipelineValues {
  /** The image, pinned by digest. */
  readonly ref: string;
  /** Where the signing key is (`env://…` or a KMS URI). */
  readonly keyRef: string;
  /** Fingerprint of the signing key's public key: a new key re-signs and re-attests. */
  readonly keyFingerprint: string;
  /** Fingerprint of the key verification trusts: a new one re-verifies. */
  readonly verifyKeyFingerprint: string;
  /** `<mode>:<sha256 of the trusted root>` with timestamps, else empty: a new root re-signs and re-verifies. */
  readonly trustTriggers: readonly string[];
  /** Repair counts from the drift check: a new count re-runs the steps that make that thing. */
  readonly repairs: Readonly<Record<Repairable, number>>;
  /** What the build was made from: needed with provenance. Default none (an image the lab did not build). */
  readonly build?: BuildInputs;
  /** Where promotion copies the image: `host[:port]/name`. Needed with promotion. */
  readonly promotionRepository?: string;
}

/** What each step yields once it succeeded. */
export interface PipelineResults {
  /** What `skopeo inspect` reports of the digest (it fails when the registry reports another). */
  readonly inspect: InspectionSummary;
  /** The digest reference, once signed. */
  readonly sign: string;
  /** The digest reference, once the signature verified. */
  readonly verify: string;
  /** The legacy signature's tag. */
  readonly triangulate: string;
  /** The SBOM's sha256 and package count. */
  readonly scan: SbomSummary;
  /** The tag of the attached SBOM. */
  readonly attach: string;
  /** The digest reference, once attested. */
  readonly attest: string;
  /** The digest reference, once the attestation verified. */
  readonly "verify-attestation": string;
  /** The build's base image, pinned by digest. */
  readonly base: string;
  /** The digest reference, once its provenance is attested. */
  readonly "attest-provenance": string;
  /** The digest reference, once its provenance verified. */
  readonly "verify-provenance": string;
  /** The digest reference, once it passed the attestation policy: what may run. */
  readonly policy: string;
  /** `host/name:tag`, once the published tag points at the verified digest again. */
  readonly tag: string;
  /** The image in the promotion's registry, `host/name@sha256:…` (the same digest). */
  readonly promote: string;
  /** The promoted reference, once it verified (and passed the policy) in its registry. */
  readonly "verify-promoted": string;
  /** The OCI archive of the verified digest: its file and sha256. */
  readonly archive: OciArchive;
}

/** A step's name: the Command resource is `<image>-<name>`. */
export type StepName = keyof PipelineResults;

/**
 * The step environments: who holds what a step is handed. `target` holds the promotion
 * registry's credentials for the copy; `targetRegistry` the same credentials as the registry a
 * verify step reads.
 */
export type EnvironmentName = "signer" | "verifier" | "registry" | "trust" | "target" | "targetRegistry";

/** What a step's triggers and script are built from: the values it reads and the results of the steps it needs. */
export type StepInputs = PipelineValues & Partial<PipelineResults>;

/** One step of the pipeline, as data. Both runners (Pulumi adapter, local runner) execute these. */
export interface PipelineStep {
  readonly name: StepName;
  /** Whether this pipeline has the step (by its options). Default always. */
  readonly when?: (options: PipelineOptions) => boolean;
  /** Steps whose results it reads: it runs only after they succeeded. */
  readonly needs: readonly StepName[];
  /** Steps it runs after when this pipeline has them (it reads no result of theirs). Default none. */
  readonly after?: readonly StepName[];
  /** Values it reads. */
  readonly reads: readonly (keyof PipelineValues)[];
  /** Environments it is handed. */
  readonly environment: readonly EnvironmentName[];
  /** Public variables built from its inputs (a predicate, a policy), handed beside the environments. Default none. */
  readonly variables?: (inputs: StepInputs, options: PipelineOptions) => Record<string, string>;
  /** Exactly what makes it run again (as the Command provider compares them). */
  readonly triggers: (inputs: StepInputs, options: PipelineOptions) => readonly unknown[];
  /** The script it runs. */
  readonly script: (inputs: StepInputs, options: PipelineOptions) => StepScript;
  /** The script run when it is deleted. Default none. */
  readonly deleteScript?: (options: PipelineOptions) => StepScript;
  /**
   * Its delete script removes what its replacement writes (the same file): the original is
   * deleted before the replacement is made. Only for a step no other step depends on (Pulumi
   * replaces the dependents of such a step too). Default false.
   */
  readonly deleteFirst?: boolean;
  /** Its result from its stdout, the image's digest reference and its inputs. Default that reference, once it succeeded. */
  readonly parse?: (stdout: string, ref: string, inputs: StepInputs) => PipelineResults[StepName];
}

/** A result a step needs; a clear error when the graph handed it none. */
export function resultOf<N extends StepName>(inputs: StepInputs, step: N): PipelineResults[N] {
  const value = inputs[step];
  if (value === undefined) throw new Error(`pipeline: the result of step ${step} is missing`);
  return value as PipelineResults[N];
}

const verifying = (options: PipelineOptions) => ({
  signedTimestamps: options.timestamps !== undefined,
  transparencyLog: options.timestamps?.logUrl !== undefined,
});

/** What every verify step of `ref` takes from the options: the format, the trust, cosign and the registry's CA. */
const verifyingRef = (ref: string, o: PipelineOptions) => ({
  ref,
  format: o.signatureFormat,
  ...verifying(o),
  cosign: o.tools.cosign,
  registryCaFile: o.registryCaFile,
});

/**
 * The signing pipeline of one pushed image, once: inspect the digest beside everything else; sign and verify, triangulate (legacy), scan, attach
 * and attest the SBOM, verify the attestation. The order is carried by `needs`: verify and
 * triangulate after sign; the scan beside signing; attach after the scan; attest after both the
 * scan and the signature (an attestation is only ever added to a signed image, and in the bundle
 * format two writers never rewrite the referrers index at once); verify-attestation after attest.
 */
export const PIPELINE_STEPS: readonly PipelineStep[] = [
  {
    name: "inspect",
    needs: [],
    reads: ["ref"],
    environment: ["registry"],
    triggers: (i) => [i.ref],
    script: (i, o) => inspectStep({ ref: i.ref, registryCaFile: o.registryCaFile, skopeo: o.tools.skopeo }),
    parse: (stdout, ref) => summariseInspection(ref, stdout),
  },
  {
    name: "sign",
    needs: [],
    reads: ["ref", "keyRef", "keyFingerprint", "repairs", "trustTriggers"],
    environment: ["signer", "registry", "trust"],
    triggers: (i, o) => [i.ref, i.keyFingerprint, o.signatureFormat, i.repairs.signature, ...i.trustTriggers],
    script: (i, o) =>
      signStep({
        ref: i.ref,
        keyRef: i.keyRef,
        format: o.signatureFormat,
        timestamps: o.timestamps,
        cosign: o.tools.cosign,
        registryCaFile: o.registryCaFile,
      }),
  },
  {
    name: "verify",
    needs: ["sign"],
    reads: ["verifyKeyFingerprint", "repairs", "trustTriggers"],
    environment: ["verifier", "registry", "trust"],
    triggers: (i, o) => [resultOf(i, "sign"), i.verifyKeyFingerprint, o.signatureFormat, i.repairs.signature, ...i.trustTriggers],
    script: (i, o) => verifyStep({ ...verifyingRef(resultOf(i, "sign"), o), node: o.tools.node }),
  },
  {
    name: "triangulate",
    when: (o) => o.signatureFormat === "legacy",
    needs: ["sign"],
    reads: [],
    environment: ["registry"],
    triggers: (i) => [resultOf(i, "sign")],
    script: (i, o) => triangulateStep({ ref: resultOf(i, "sign"), cosign: o.tools.cosign, registryCaFile: o.registryCaFile }),
    parse: (stdout) => stdout.trim(),
  },
  {
    name: "scan",
    needs: [],
    reads: ["ref", "repairs"],
    environment: ["registry"],
    triggers: (i, o) => [i.ref, o.sbom.format, o.sbom.scope, i.repairs.sbomFile],
    script: (i, o) =>
      scanStep({
        ref: i.ref,
        outFile: o.sbom.file,
        sbomFormat: o.sbom.format,
        scope: o.sbom.scope,
        syft: o.tools.syft,
        node: o.tools.node,
        registryCaFile: o.registryCaFile,
      }),
    deleteScript: (o) => ({ invocations: [{ argv: ["rm", "-f", o.sbom.file] }] }),
    parse: (stdout) => parseSbomSummary(stdout),
  },
  {
    name: "attach",
    when: (o) => o.sbom.delivery !== "attest",
    needs: ["scan"],
    reads: ["ref", "repairs"],
    environment: ["registry"],
    triggers: (i) => [i.ref, resultOf(i, "scan").sha256, i.repairs.attachment],
    script: (i, o) =>
      attachSbomStep({
        ref: i.ref,
        sbomFile: o.sbom.file,
        sbomFormat: o.sbom.format,
        sbomSha256: resultOf(i, "scan").sha256,
        cosign: o.tools.cosign,
        registryCaFile: o.registryCaFile,
      }),
    parse: (_stdout, ref) => legacyArtifactRef(parseDigestRef(ref), "sbom"),
  },
  {
    name: "attest",
    when: (o) => o.sbom.delivery !== "attach",
    needs: ["scan", "sign"],
    reads: ["ref", "keyRef", "keyFingerprint", "repairs", "trustTriggers"],
    environment: ["signer", "registry", "trust"],
    triggers: (i, o) => [i.ref, resultOf(i, "scan").sha256, i.keyFingerprint, o.signatureFormat, i.repairs.attestation, ...i.trustTriggers],
    script: (i, o) =>
      attestStep({
        ref: resultOf(i, "sign"),
        keyRef: i.keyRef,
        timestamps: o.timestamps,
        predicateFile: o.sbom.file,
        sbomFormat: o.sbom.format,
        sbomSha256: resultOf(i, "scan").sha256,
        format: o.signatureFormat,
        cosign: o.tools.cosign,
        registryCaFile: o.registryCaFile,
      }),
  },
  {
    name: "verify-attestation",
    when: (o) => o.sbom.delivery !== "attach",
    needs: ["attest", "scan"],
    reads: ["verifyKeyFingerprint", "repairs", "trustTriggers"],
    environment: ["verifier", "registry", "trust"],
    triggers: (i) => [resultOf(i, "attest"), resultOf(i, "scan").sha256, i.verifyKeyFingerprint, i.repairs.attestation, ...i.trustTriggers],
    script: (i, o) => verifyAttestationStep({ ...verifyingRef(resultOf(i, "attest"), o), sbomFormat: o.sbom.format, node: o.tools.node }),
  },
  {
    name: "base",
    when: (o) => o.provenance !== undefined,
    needs: [],
    reads: ["ref", "build"],
    environment: [],
    triggers: (i) => [i.ref, buildOf(i).baseImage],
    script: (i, o) => resolveBaseImageStep({ image: buildOf(i).baseImage, docker: o.tools.docker }),
    parse: (stdout, _ref, i) => pinnedBaseImage(buildOf(i).baseImage, stdout),
  },
  {
    name: "attest-provenance",
    when: (o) => o.provenance !== undefined,
    needs: ["sign", "inspect", "base"],
    // In the bundle format two attestations never rewrite the image's referrers index at once.
    after: ["verify-attestation"],
    reads: ["ref", "keyRef", "keyFingerprint", "repairs", "trustTriggers", "build"],
    environment: ["signer", "registry", "trust"],
    variables: (i, o) => provenancePredicateEnv(provenanceOf(i, o)),
    // A repaired attestation re-attests the provenance too: `cosign clean --type attestation` removes both.
    triggers: (i, o) => [
      i.ref,
      digestOf(provenanceOf(i, o)),
      i.keyFingerprint,
      o.signatureFormat,
      i.repairs.attestation,
      ...i.trustTriggers,
    ],
    script: (i, o) =>
      attestProvenanceStep({
        ref: resultOf(i, "sign"),
        keyRef: i.keyRef,
        format: o.signatureFormat,
        timestamps: o.timestamps,
        cosign: o.tools.cosign,
        registryCaFile: o.registryCaFile,
      }),
  },
  {
    name: "verify-provenance",
    when: (o) => o.provenance !== undefined,
    needs: ["attest-provenance", "inspect", "base"],
    reads: ["ref", "build", "verifyKeyFingerprint", "repairs", "trustTriggers"],
    environment: ["verifier", "registry", "trust"],
    triggers: (i, o) => [
      resultOf(i, "attest-provenance"),
      digestOf(provenanceOf(i, o)),
      i.verifyKeyFingerprint,
      o.signatureFormat,
      i.repairs.attestation,
      ...i.trustTriggers,
    ],
    script: (i, o) => verifyProvenanceStep({ ...verifyingRef(resultOf(i, "attest-provenance"), o), node: o.tools.node }),
  },
  {
    name: "policy",
    when: (o) => o.policy !== undefined,
    needs: ["verify", "scan"],
    after: ["verify-attestation", "verify-provenance"],
    reads: ["ref", "verifyKeyFingerprint", "repairs", "trustTriggers"],
    environment: ["verifier", "registry", "trust"],
    variables: (_i, o) => attestationPolicyEnv(policyOf(o)),
    // Again whenever what it judges changed: the key, the policy, the SBOM, a re-made signature or attestation.
    triggers: (i, o) => [
      i.ref,
      i.verifyKeyFingerprint,
      digestOf(attestationPolicyEnv(policyOf(o))),
      resultOf(i, "scan").sha256,
      i.repairs.signature,
      i.repairs.attestation,
      ...i.trustTriggers,
    ],
    script: (i, o) => verifyImagePolicyStep({ ...verifyingRef(resultOf(i, "verify"), o), sbomFormat: o.sbom.format, node: o.tools.node }),
  },
  {
    name: "tag",
    when: (o) => o.tag !== undefined,
    needs: ["verify"],
    // Only what passed everything gets the tag back.
    after: ["policy"],
    reads: ["repairs"],
    environment: ["registry"],
    triggers: (i, o) => [resultOf(i, "verify"), o.tag, i.repairs.tag],
    script: (i, o) => restoreTagStep({ ref: resultOf(i, "verify"), tag: tagOf(o), registryCaFile: o.registryCaFile, node: o.tools.node }),
    parse: (stdout) => stdout.trim(),
  },
  {
    name: "promote",
    when: (o) => o.promotion !== undefined,
    needs: ["verify"],
    // Only what passed everything is copied, and only once every artifact is in the source.
    after: ["policy", "verify-attestation", "verify-provenance", "attach", "triangulate"],
    reads: ["ref", "promotionRepository", "verifyKeyFingerprint", "repairs", "trustTriggers"],
    environment: ["verifier", "registry", "trust", "target"],
    // The repairs of what it copies, spelled out (not the tag's, which it does not copy; a repair
    // of the local archive copies nothing).
    triggers: (i, o) => [
      i.ref,
      targetOf(i),
      i.verifyKeyFingerprint,
      o.signatureFormat,
      o.sbom.delivery,
      {
        signature: i.repairs.signature,
        sbomFile: i.repairs.sbomFile,
        attestation: i.repairs.attestation,
        attachment: i.repairs.attachment,
      },
      ...i.trustTriggers,
    ],
    script: (i, o) =>
      promoteStep({
        sourceRef: resultOf(i, "verify"),
        targetRepository: targetOf(i),
        format: o.signatureFormat,
        attested: o.sbom.delivery !== "attach",
        sbomAttached: o.sbom.delivery !== "attest",
        sourceCaFile: o.registryCaFile,
        targetCaFile: promotionOf(o).caFile,
        ...verifying(o),
        oras: promotionOf(o).oras,
        cosign: o.tools.cosign,
        node: o.tools.node,
      }),
    parse: (stdout) => stdout.trim(),
  },
  {
    name: "verify-promoted",
    when: (o) => o.promotion !== undefined,
    needs: ["promote"],
    reads: ["verifyKeyFingerprint", "trustTriggers"],
    environment: ["verifier", "targetRegistry", "trust"],
    variables: (_i, o) => (o.policy ? attestationPolicyEnv(o.policy) : {}),
    triggers: (i, o) => [
      resultOf(i, "promote"),
      i.verifyKeyFingerprint,
      o.policy ? digestOf(attestationPolicyEnv(o.policy)) : "",
      ...i.trustTriggers,
    ],
    script: (i, o) => {
      const ref = resultOf(i, "promote");
      const common = { ref, format: o.signatureFormat, ...verifying(o), cosign: o.tools.cosign, registryCaFile: promotionOf(o).caFile };
      // The same judgement as in the source: the policy when there is one, else the signature.
      return o.policy
        ? verifyImagePolicyStep({ ...common, sbomFormat: o.sbom.format, node: o.tools.node })
        : verifyStep({ ...common, node: o.tools.node });
    },
    parse: (_stdout, _ref, i) => resultOf(i, "promote"),
  },
  {
    name: "archive",
    when: (o) => o.ociArchive !== undefined,
    needs: ["verify"],
    reads: ["repairs"],
    environment: ["registry"],
    // Again for a new verified digest, or when the drift check found the file gone or changed.
    triggers: (i) => [resultOf(i, "verify"), i.repairs.ociArchive ?? 0],
    script: (i, o) =>
      ociArchiveStep({ ref: resultOf(i, "verify"), outFile: archiveOf(o).file, registryCaFile: o.registryCaFile, skopeo: o.tools.skopeo }),
    deleteScript: (o) => ({ invocations: [{ argv: ["rm", "-f", archiveOf(o).file, `${archiveOf(o).file}.partial`] }] }),
    // A re-made archive is written to the same file: the original's delete must run first.
    deleteFirst: true,
    parse: (stdout) => parseOciArchive(stdout),
  },
];

function tagOf(o: PipelineOptions): string {
  if (o.tag === undefined) throw new Error("pipeline: a tag step without a tag");
  return o.tag;
}

function archiveOf(o: PipelineOptions): NonNullable<PipelineOptions["ociArchive"]> {
  if (o.ociArchive === undefined) throw new Error("pipeline: an archive step without its file");
  return o.ociArchive;
}

function targetOf(i: StepInputs): string {
  if (i.promotionRepository === undefined) throw new Error("pipeline: a promotion without its target repository");
  return i.promotionRepository;
}

function promotionOf(o: PipelineOptions): NonNullable<PipelineOptions["promotion"]> {
  if (o.promotion === undefined) throw new Error("pipeline: a promotion step without a promotion");
  return o.promotion;
}

/** The SLSA provenance of this build, from what the program knows and what the steps found. */
function provenanceOf(i: StepInputs, o: PipelineOptions): SlsaProvenancePredicate {
  const builderId = o.provenance?.builderId;
  if (builderId === undefined) throw new Error("pipeline: provenance without a builder id");
  const build = buildOf(i);
  const startedOn = build.startedOn;
  // The image's creation time; a build from cache keeps an older one, so never before the start.
  const created = resultOf(i, "inspect").created;
  const finishedOn =
    created && Date.parse(created) > Date.parse(startedOn)
      ? new Date(Date.parse(created)).toISOString().replace(/\.\d{3}Z$/, "Z")
      : startedOn;
  return slsaProvenancePredicate({
    imageDigestRef: i.ref,
    sourceDigest: build.sourceDigest,
    dockerfile: build.dockerfile,
    buildArgs: build.buildArgs,
    baseImage: resultOf(i, "base"),
    builderId,
    buildType: LAB_BUILD_TYPE,
    startedOn,
    finishedOn,
  });
}

function buildOf(i: StepInputs): BuildInputs {
  if (i.build === undefined) throw new Error("pipeline: provenance of an image without its build inputs");
  return i.build;
}

function policyOf(o: PipelineOptions): AttestationPolicyOptions {
  if (o.policy === undefined) throw new Error("pipeline: a policy step without a policy");
  return o.policy;
}

/** sha256 of a value's JSON: what a trigger holds of a document. */
function digestOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The steps of a pipeline with these options, in an order where every step comes after those it needs. */
export function pipelineSteps(options: PipelineOptions, names?: readonly StepName[]): PipelineStep[] {
  return PIPELINE_STEPS.filter((s) => (s.when?.(options) ?? true) && (names === undefined || names.includes(s.name)));
}

/** The step named `name`. */
export function pipelineStep(name: StepName): PipelineStep {
  const step = PIPELINE_STEPS.find((s) => s.name === name);
  if (!step) throw new Error(`pipeline: no step ${name}`);
  return step;
}

/** The result a step yields from its stdout. */
export function stepResult(step: PipelineStep, stdout: string, ref: string, inputs: StepInputs): PipelineResults[StepName] {
  return step.parse ? step.parse(stdout, ref, inputs) : ref;
}

/** The step's script, rendered for `/bin/sh -c`. */
export function renderPipelineStep(step: PipelineStep, inputs: StepInputs, options: PipelineOptions): string {
  return renderStepScript(step.script(inputs, options));
}

/** Where a pipeline named `name` writes its OCI archive in `workDir` (a name with `/` keeps its folders). */
export function ociArchiveFileOf(workDir: string, name: string): string {
  return `${workDir}/${name}.oci.tar`;
}

/** Where a pipeline named `name` writes its SBOM file in `workDir`. */
export function sbomFileOf(workDir: string, name: string, format: SbomFormat): string {
  return `${workDir}/${name}.${SBOM_FORMATS[format].fileSuffix}`;
}

/** The options with the lab's defaults: legacy signatures, an SPDX SBOM of all layers, attested and attached. */
export function pipelineOptions(
  partial: Partial<Omit<PipelineOptions, "sbom">> & { readonly sbom?: Partial<PipelineOptions["sbom"]> } = {},
): PipelineOptions {
  return {
    signatureFormat: partial.signatureFormat ?? "legacy",
    sbom: {
      format: partial.sbom?.format ?? "spdx-json",
      scope: partial.sbom?.scope ?? "all-layers",
      delivery: partial.sbom?.delivery ?? "both",
      file: partial.sbom?.file ?? "",
    },
    timestamps: partial.timestamps,
    registryCaFile: partial.registryCaFile,
    tag: partial.tag,
    tools: partial.tools ?? {},
    provenance: partial.provenance,
    policy: partial.policy,
    promotion: partial.promotion,
    ociArchive: partial.ociArchive,
  };
}

/** No repairs yet: every count 0. */
export const NO_REPAIRS: Readonly<Record<Repairable, number>> = {
  signature: 0,
  sbomFile: 0,
  attestation: 0,
  attachment: 0,
  manifest: 0,
  tag: 0,
  ociArchive: 0,
};
