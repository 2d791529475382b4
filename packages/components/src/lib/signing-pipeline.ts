import * as pulumi from "@pulumi/pulumi";
import {
  ociArchiveFileOf,
  parseDigestRef,
  probeArtifacts,
  probeManifest,
  probeTag,
  registryHostOf,
  type AttestationPolicyOptions,
  type OciArchive,
  type SbomFormat,
  type SbomScope,
  type SignatureFormat,
} from "@signed-image-lab/tooling";
import { checkDrift, manifestRepairs, presenceWithLocalFiles, type DriftCheck, type DriftRecord, type Repairable } from "./drift.js";
import { Image } from "./image.js";
import { pipelineCommands, type PipelineResultOutputs } from "./pipeline-commands.js";
import { registryEnvironment, targetEnvironment } from "./step-command.js";
import { pipelineEnvironments, pipelineOptions, pipelineSteps, pipelineValues } from "./pipeline-inputs.js";
import { ImageInspection, type InspectionSummary } from "./image-inspection.js";
import type { RegistryAccess } from "./registry.js";
import { SbomAttestation, sbomFileOf, type SbomDelivery } from "./sbom-attestation.js";
import { SignedImage } from "./signed-image.js";
import type { SigningKeyMaterial } from "./signing-key.js";
import { timestampSigning, type TimestampTrust } from "./timestamp-authority.js";

/** What to sign: an image to build and push, or one already pushed (pinned by digest). */
export type PipelineImageSource =
  | {
      readonly kind: "build";
      /** Repository name in the registry. */
      readonly repository: string;
      readonly tag: string;
      /** Absolute build context. */
      readonly context: string;
      /** Relative to the context. Default `Dockerfile`. */
      readonly dockerfile?: string;
      readonly buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
      /** The `FROM` image, as its provenance records it. Default the build argument `BASE_IMAGE`. */
      readonly baseImage?: pulumi.Input<string>;
    }
  | { readonly kind: "existing"; readonly ref: pulumi.Input<string> };

/** Arguments of {@link SigningPipeline}. */
export interface SigningPipelineArgs {
  readonly registry: RegistryAccess;
  readonly image: PipelineImageSource;
  readonly key: SigningKeyMaterial;
  /** The public key verification trusts. Default the signing key's own. */
  readonly verifyPublicKeyPem?: pulumi.Input<string>;
  /** Default `legacy`. */
  readonly signatureFormat?: SignatureFormat;
  /** SBOM options. Defaults: `spdx-json`, `all-layers`, `both`. */
  readonly sbom?: { readonly format?: SbomFormat; readonly scope?: SbomScope; readonly delivery?: SbomDelivery };
  /** Absolute directory for SBOM files. */
  readonly workDir: string;
  /** Tool binaries. Default each on PATH. */
  readonly tools?: { readonly cosign?: string; readonly syft?: string; readonly skopeo?: string; readonly node?: string };
  /**
   * Drift check: the record the previous update exported for this image (`driftRecord`). When
   * its digest is the one deployed, the registry and the SBOM file are looked at now, and what
   * is gone is made again (re-sign, re-scan, re-attest, re-attach, each re-verified). Default
   * off: the steps run only when their inputs change.
   */
  readonly drift?: { readonly previous: pulumi.Input<DriftRecord | undefined> };
  /**
   * Sign and attest with signed timestamps from this timestamp authority; every verification
   * requires one from its trusted root (needs `signatureFormat: bundle`). Default none.
   */
  readonly timestamps?: TimestampTrust;
  /**
   * Attest SLSA v1 provenance of the build naming this builder id, and verify it. Only for an
   * image the pipeline builds. Default none.
   */
  readonly provenance?: { readonly builderId: string };
  /**
   * Admit the image (`admittedRef`) only when the attestation policy passes: signature, SBOM
   * attestation and provenance from the trusted key, the builder, a base pinned by digest, no
   * denied package. Needs `provenance` and an attested SBOM. Default none: `admittedRef` is
   * the verified ref.
   */
  readonly policy?: AttestationPolicyOptions;
  /**
   * Promote the admitted image: copy it by digest with its signature and attestations to this
   * registry (same repository path), and verify it there again, with the policy when there is
   * one. Default none.
   */
  readonly promotion?: { readonly registry: RegistryAccess; readonly oras?: string };
}

/** `name` of `host[:port]/name@sha256:…`: the repository path without its registry. */
function repositoryPath(ref: string): string {
  const { repository } = parseDigestRef(ref, "the image to promote");
  return repository.slice(registryHostOf(repository).length + 1);
}

/** Resource type token of {@link SigningPipeline}. */
export const SIGNING_PIPELINE_TYPE = "signed-image-lab:signing:SigningPipeline";

/**
 * The whole lab for one image: build and push (or take a pushed digest), inspect, sign and
 * verify, scan, attach and attest the SBOM and verify the attestation, export the verified
 * digest as an OCI archive. Several pipelines run
 * in parallel; every child is named after the image, so a failure names it.
 */
export class SigningPipeline extends pulumi.ComponentResource {
  /** The pushed image, pinned by digest. */
  readonly digestRef: pulumi.Output<string>;
  /** The tag pushed with it (undefined for an existing image); `lab:status` checks it still points at the digest. */
  readonly taggedRef?: pulumi.Output<string>;
  /** `taggedRef`, once it points at the verified digest (put back there when it was moved). */
  readonly tagRef?: pulumi.Output<string>;
  /** Resolves once `cosign sign` succeeded. */
  readonly signedRef: pulumi.Output<string>;
  /** Resolves once `cosign verify` accepted the signature. */
  readonly verifiedRef: pulumi.Output<string>;
  /** The legacy signature's tag (legacy format only). */
  readonly signatureRef?: pulumi.Output<string>;
  /** Resolves once the SBOM attestation verified (undefined when only attached). */
  readonly attestedRef?: pulumi.Output<string>;
  readonly sbomFile: string;
  readonly sbomSha256: pulumi.Output<string>;
  readonly packageCount: pulumi.Output<number>;
  /** What `skopeo inspect` reports of the digest. */
  readonly inspection: pulumi.Output<InspectionSummary>;
  /** What the next update's drift check starts from (export it; see {@link SigningPipelineArgs.drift}). */
  readonly driftRecord: pulumi.Output<DriftRecord>;
  /** Resolves once the provenance attestation verified (undefined without provenance). */
  readonly provenanceRef?: pulumi.Output<string>;
  /** What may run: the ref once it passed the policy, or once verified when there is none. */
  readonly admittedRef: pulumi.Output<string>;
  /** The image in the promotion's registry, once verified there (undefined without promotion). */
  readonly promotedRef?: pulumi.Output<string>;
  /** The verified digest as an OCI archive (the seed's step 1.4): `<workDir>/<name>.oci.tar` and its sha256. */
  readonly ociArchive: pulumi.Output<OciArchive>;

  constructor(name: string, args: SigningPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SIGNING_PIPELINE_TYPE, name, {}, opts);
    const tools = args.tools ?? {};
    const credentials = args.registry.credentials;
    const source = args.image;
    // Asked before the image is registered, since its answer decides whether the image is pushed again.
    const served = source.kind === "build" ? this.checkManifest(args) : undefined;
    const previous = args.drift?.previous;
    const built =
      source.kind === "build"
        ? new Image(
            name,
            {
              registry: args.registry,
              repository: source.repository,
              tag: source.tag,
              context: source.context,
              dockerfile: source.dockerfile,
              buildArgs: source.buildArgs,
              baseImage: source.baseImage,
              pushAgain: served && pulumi.all([previous, served]).apply(([prev, answer]) => manifestRepairs(prev, answer)),
            },
            { parent: this },
          )
        : undefined;
    this.digestRef = built?.ref ?? pulumi.output(source.kind === "existing" ? source.ref : "");
    this.taggedRef = built?.taggedRef;

    const registryCaFile = args.registry.caFile;
    const drift = this.checkDrift(name, args, served);
    const repairsOf = (thing: Repairable) => drift.apply((d) => d.repairs[thing]);
    this.inspection = new ImageInspection(
      name,
      { ref: this.digestRef, registryCredentials: credentials, registryCaFile, skopeo: tools.skopeo },
      { parent: this },
    ).summary;
    const signed = new SignedImage(
      name,
      {
        ref: this.digestRef,
        key: args.key,
        verifyPublicKeyPem: args.verifyPublicKeyPem,
        registryCredentials: credentials,
        registryCaFile,
        format: args.signatureFormat,
        cosign: tools.cosign,
        repairs: repairsOf("signature"),
        timestamps: args.timestamps,
      },
      { parent: this },
    );
    const sbom = new SbomAttestation(
      name,
      {
        ref: this.digestRef,
        signedRef: signed.signedRef,
        key: args.key,
        verifyPublicKeyPem: args.verifyPublicKeyPem,
        workDir: args.workDir,
        sbomFormat: args.sbom?.format,
        scope: args.sbom?.scope,
        delivery: args.sbom?.delivery,
        signatureFormat: args.signatureFormat,
        registryCredentials: credentials,
        registryCaFile,
        tools,
        repairs: { scan: repairsOf("sbomFile"), attest: repairsOf("attestation"), attach: repairsOf("attachment") },
        timestamps: args.timestamps,
      },
      { parent: this },
    );
    this.signedRef = signed.signedRef;
    this.verifiedRef = signed.verifiedRef;
    const admission = this.admit(
      name,
      args,
      built,
      {
        signature: repairsOf("signature"),
        attestation: repairsOf("attestation"),
        tag: repairsOf("tag"),
        ociArchive: repairsOf("ociArchive"),
      },
      {
        sign: signed.signedRef,
        verify: signed.verifiedRef,
        inspect: this.inspection,
        scan: pulumi.all([sbom.sbomSha256, sbom.packageCount]).apply(([sha256, packages]) => ({ sha256, packages })),
        ...(sbom.attestedRef ? { "verify-attestation": sbom.attestedRef } : {}),
      },
    );
    this.tagRef = admission.tag;
    this.provenanceRef = admission["verify-provenance"];
    this.admittedRef = admission.policy ?? this.verifiedRef;
    this.promotedRef = admission["verify-promoted"];
    const archive = admission.archive;
    if (!archive) throw new Error(`${name}: the pipeline made no OCI archive`);
    this.ociArchive = archive;
    this.signatureRef = signed.signatureRef;
    this.attestedRef = sbom.attestedRef;
    this.sbomFile = sbom.sbomFile;
    this.sbomSha256 = sbom.sbomSha256;
    this.packageCount = sbom.packageCount;
    this.driftRecord = pulumi.all([this.digestRef, this.sbomSha256, this.ociArchive, drift]).apply(
      ([digestRef, sbomSha256, ociArchive, d]): DriftRecord => ({
        digestRef,
        sbomSha256,
        ociArchiveSha256: ociArchive.sha256,
        repairs: d.repairs,
      }),
    );
    this.registerOutputs({
      digestRef: this.digestRef,
      taggedRef: this.taggedRef,
      tagRef: this.tagRef,
      signedRef: this.signedRef,
      verifiedRef: this.verifiedRef,
      signatureRef: this.signatureRef,
      attestedRef: this.attestedRef,
      sbomFile: this.sbomFile,
      sbomSha256: this.sbomSha256,
      packageCount: this.packageCount,
      inspection: this.inspection,
      driftRecord: this.driftRecord,
      provenanceRef: this.provenanceRef,
      admittedRef: this.admittedRef,
      promotedRef: this.promotedRef,
      ociArchive: this.ociArchive,
    });
  }

  /**
   * The pipeline's last steps, once the image is signed and its SBOM attested: its provenance
   * attested and verified (a built image only), then the attestation policy.
   */
  private admit(
    name: string,
    args: SigningPipelineArgs,
    built: Image | undefined,
    repairs: Partial<Record<Repairable, pulumi.Input<number>>>,
    results: PipelineResultOutputs,
  ): PipelineResultOutputs {
    const options = pipelineOptions({
      signatureFormat: args.signatureFormat,
      sbom: { format: args.sbom?.format, scope: args.sbom?.scope, delivery: args.sbom?.delivery },
      timestamps: timestampSigning(args.timestamps),
      registryCaFile: args.registry.caFile,
      tag: args.image.kind === "build" ? args.image.tag : undefined,
      tools: args.tools,
      provenance: built ? args.provenance : undefined,
      policy: args.policy,
      promotion: args.promotion ? { caFile: args.promotion.registry.caFile, oras: args.promotion.oras } : undefined,
      ociArchive: { file: ociArchiveFileOf(args.workDir, name) },
    });
    const target = args.promotion?.registry;
    // The same repository path in the promotion's registry.
    const promotionRepository = target
      ? pulumi.all([target.endpoint, this.digestRef]).apply(([endpoint, ref]) => `${endpoint}/${repositoryPath(ref)}`)
      : undefined;
    return pipelineCommands(
      name,
      {
        steps: pipelineSteps(options, [
          "base",
          "attest-provenance",
          "verify-provenance",
          "policy",
          "tag",
          "promote",
          "verify-promoted",
          "archive",
        ]),
        options,
        values: {
          ...pipelineValues({ ...args, ref: this.digestRef, repairs, registryCredentials: args.registry.credentials }),
          build: built?.build,
          promotionRepository,
        },
        environments: {
          ...pipelineEnvironments({ ...args, registryCredentials: args.registry.credentials }),
          target: targetEnvironment(target?.credentials),
          targetRegistry: registryEnvironment(target?.credentials),
        },
        results,
      },
      this,
    );
  }

  /**
   * Whether the registry still serves the manifest of the digest the previous update finished
   * (one HEAD by digest, once the registry answers): `false` pushes the image again. Undefined
   * without a previous update in this registry, or when the registry could not tell.
   */
  private checkManifest(args: SigningPipelineArgs): pulumi.Output<boolean | undefined> | undefined {
    const previous = args.drift?.previous;
    if (previous === undefined) return undefined;
    const answer = pulumi
      .all([previous, args.registry.endpoint, args.registry.credentials])
      .apply(async ([prev, endpoint, credentials]) => {
        if (prev === undefined || registryHostOf(prev.digestRef) !== endpoint) return undefined;
        const served = await probeManifest(prev.digestRef, { ...credentials, caFile: args.registry.caFile });
        if (served === false) {
          await pulumi.log.warn(
            `drift: the registry no longer serves ${prev.digestRef}; pushing the image again, then signing it again`,
            this,
          );
        }
        return served;
      });
    // The probe used the credentials; its answer is not secret.
    return pulumi.unsecret(answer);
  }

  /**
   * Looks, during preview and update, for what the previous update made and the registry or
   * the disk no longer holds: a few manifest requests and one file hash, no tool run. `served`
   * is {@link checkManifest}'s answer; the tag a built image publishes must point at the digest.
   */
  private checkDrift(
    name: string,
    args: SigningPipelineArgs,
    served: pulumi.Output<boolean | undefined> | undefined,
  ): pulumi.Output<DriftCheck> {
    const format = args.signatureFormat ?? "legacy";
    const delivery = args.sbom?.delivery ?? "both";
    const sbomFile = sbomFileOf(args.workDir, name, args.sbom?.format ?? "spdx-json");
    const expected: Repairable[] = [
      "signature",
      "sbomFile",
      "ociArchive",
      ...(delivery !== "attach" ? (["attestation"] as const) : []),
      ...(delivery !== "attest" ? (["attachment"] as const) : []),
      ...(this.taggedRef ? (["tag"] as const) : []),
    ];
    const previous = args.drift?.previous;
    const check = pulumi
      .all([this.digestRef, previous, args.registry.credentials, served, this.taggedRef])
      .apply(async ([ref, prev, credentials, manifest, taggedRef]) => {
        if (prev === undefined || prev.digestRef !== ref) return checkDrift(prev, ref, expected, { manifest });
        const access = { ...credentials, caFile: args.registry.caFile };
        const [registry, tagged] = await Promise.all([
          probeArtifacts(ref, format, access),
          taggedRef ? probeTag(taggedRef, access) : Promise.resolve(undefined),
        ]);
        const { digest } = parseDigestRef(ref);
        const files = { sbomFile, ociArchiveFile: ociArchiveFileOf(args.workDir, name) };
        const present = {
          ...presenceWithLocalFiles(registry, files, prev),
          manifest,
          tag: tagged === undefined ? undefined : tagged === digest,
        };
        const result = checkDrift(prev, ref, expected, present);
        const made = result.lost.filter((thing) => thing !== "manifest" && thing !== "tag");
        if (made.length > 0) {
          await pulumi.log.warn(`drift: ${made.join(", ")} of ${ref} gone since the last update; making again`, this);
        }
        if (result.lost.includes("tag")) {
          const now = tagged === null ? "is gone" : `points to ${tagged} now`;
          await pulumi.log.warn(`drift: tag ${taggedRef} ${now}, not ${digest}; putting it back on the verified digest`, this);
        }
        return result;
      });
    // The probe used the credentials; the repair counts it yields are not secret.
    return pulumi.unsecret(check);
  }
}
