import * as pulumi from "@pulumi/pulumi";
import { SigningPipeline as LabSigningPipeline } from "@signed-image-lab/components";
import {
  absolutePathProblems,
  imageSourceProblems,
  loginProblems,
  refuseProblems,
  toPipelineImageSource,
  toRegistryAccess,
  type ArgProblem,
} from "./args-validation.js";
import type {
  AttestationPolicy,
  ImageSource,
  PipelineTools,
  Provenance,
  RegistryAccess,
  SbomOptions,
  SignatureFormat,
  SigningKeyMaterial,
  TimestampTrust,
} from "./schema-types.js";

/** Arguments of SigningPipeline. */
export interface SigningPipelineArgs {
  /** The registry the image is in (or is pushed to), such as a Registry's endpoint. */
  readonly registry: RegistryAccess;
  /** What to sign: kind build (repository, tag, context) or existing (ref). */
  readonly image: ImageSource;
  /** The key to sign with: a SigningKey's outputs. */
  readonly key: SigningKeyMaterial;
  /** The public key PEM verification trusts. Default the signing key's own. */
  readonly verifyPublicKeyPem?: pulumi.Input<string>;
  /** Default legacy. */
  readonly signatureFormat?: SignatureFormat;
  /** SBOM options. Defaults spdx-json, all-layers, both. */
  readonly sbom?: SbomOptions;
  /** Absolute folder for the SBOM files. */
  readonly workDir: string;
  /** Tool binaries. Default each on PATH. */
  readonly tools?: PipelineTools;
  /** Sign with signed timestamps from this authority; every verification requires one (needs signatureFormat bundle). Default none. */
  readonly timestamps?: TimestampTrust;
  /** Attest SLSA v1 provenance of the build naming this builder, and verify it (kind build only). Default none. */
  readonly provenance?: Provenance;
  /** Admit the image only when the attestation policy passes (needs provenance and an attested SBOM). Default none. */
  readonly policy?: AttestationPolicy;
}

/** Problems with a SigningPipeline's arguments, by key path. */
export function signingPipelineProblems(args: SigningPipelineArgs): ArgProblem[] {
  const problems: ArgProblem[] = [];
  if (args.registry?.endpoint === undefined) problems.push({ propertyPath: "registry.endpoint", reason: "required" });
  else problems.push(...loginProblems(args.registry.username, args.registry.password, "registry"));
  problems.push(...imageSourceProblems(args.image));
  for (const field of ["keyRef", "publicKeyPem", "publicKeyFingerprint", "signerEnvironment"] as const) {
    if (args.key?.[field] === undefined) problems.push({ propertyPath: `key.${field}`, reason: "required (a SigningKey's output)" });
  }
  problems.push(...absolutePathProblems(args.workDir, "workDir"));
  if (args.provenance && args.image?.kind === "existing")
    problems.push({ propertyPath: "provenance", reason: "only for an image the pipeline builds (image.kind build)" });
  return problems;
}

/**
 * One image, end to end: build and push (or take a pushed digest), inspect, sign by digest and verify,
 * scan with syft, attach and attest the SBOM and verify the attestation, optionally provenance and the
 * attestation policy. Every ref is pinned by digest and resolves only after its step succeeded.
 * See https://docs.sigstore.dev/cosign/signing/signing_with_containers/
 */
export class SigningPipeline extends pulumi.ComponentResource {
  /** The pushed image, pinned by digest. */
  readonly digestRef: pulumi.Output<string>;
  /** The tag pushed with it (kind build). */
  readonly taggedRef?: pulumi.Output<string>;
  /** Resolves once cosign sign succeeded. */
  readonly signedRef: pulumi.Output<string>;
  /** Resolves once cosign verify accepted the signature. */
  readonly verifiedRef: pulumi.Output<string>;
  /** Resolves once the SBOM attestation verified (undefined when only attached). */
  readonly attestedRef?: pulumi.Output<string>;
  /** The SBOM file on the host. */
  readonly sbomFile: pulumi.Output<string>;
  /** The SBOM file's sha256. */
  readonly sbomSha256: pulumi.Output<string>;
  /** How many packages the SBOM lists. */
  readonly packageCount: pulumi.Output<number>;
  /** Resolves once the provenance attestation verified (with provenance). */
  readonly provenanceRef?: pulumi.Output<string>;
  /** What may run: the ref once it passed the policy, or once verified when there is none. */
  readonly admittedRef: pulumi.Output<string>;

  constructor(name: string, args: SigningPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseProblems("SigningPipelineArgs", signingPipelineProblems(args ?? ({} as SigningPipelineArgs)));
    super("signing-lab:index:SigningPipeline", name, {}, opts);
    const pipeline = new LabSigningPipeline(
      name,
      {
        registry: toRegistryAccess(args.registry),
        image: toPipelineImageSource(args.image),
        key: {
          keyRef: pulumi.output(args.key.keyRef),
          publicKeyPem: pulumi.output(args.key.publicKeyPem),
          publicKeyFingerprint: pulumi.output(args.key.publicKeyFingerprint),
          signerEnvironment: pulumi.secret(pulumi.output(args.key.signerEnvironment)) as pulumi.Output<Record<string, string>>,
        },
        verifyPublicKeyPem: args.verifyPublicKeyPem,
        signatureFormat: args.signatureFormat,
        sbom: args.sbom,
        workDir: args.workDir,
        tools: args.tools,
        timestamps: args.timestamps,
        provenance: args.provenance,
        policy: args.policy,
      },
      { parent: this },
    );
    this.digestRef = pipeline.digestRef;
    this.taggedRef = pipeline.taggedRef;
    this.signedRef = pipeline.signedRef;
    this.verifiedRef = pipeline.verifiedRef;
    this.attestedRef = pipeline.attestedRef;
    this.sbomFile = pulumi.output(pipeline.sbomFile);
    this.sbomSha256 = pipeline.sbomSha256;
    this.packageCount = pipeline.packageCount;
    this.provenanceRef = pipeline.provenanceRef;
    this.admittedRef = pipeline.admittedRef;
    this.registerOutputs({
      digestRef: this.digestRef,
      taggedRef: this.taggedRef,
      signedRef: this.signedRef,
      verifiedRef: this.verifiedRef,
      attestedRef: this.attestedRef,
      sbomFile: this.sbomFile,
      sbomSha256: this.sbomSha256,
      packageCount: this.packageCount,
      provenanceRef: this.provenanceRef,
      admittedRef: this.admittedRef,
    });
  }
}
