import * as pulumi from "@pulumi/pulumi";
import { sbomFileOf, type SbomDelivery, type SbomFormat, type SbomScope, type SignatureFormat } from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import { LAB_DEFAULTS } from "./lab-config.js";
import { pipelineCommands, stepOutput } from "./pipeline-commands.js";
import { pipelineEnvironments, pipelineOptions, pipelineSteps, pipelineValues } from "./pipeline-inputs.js";
import type { SigningKeyMaterial } from "./signing-key.js";
import type { RegistryCredentials } from "./step-command.js";
import { timestampSigning, type TimestampTrust } from "./timestamp-authority.js";

export { sbomFileOf, type SbomDelivery };

/** Arguments of {@link SbomAttestation}. */
export interface SbomAttestationArgs {
  /** The image, pinned by digest. The scan starts as soon as it resolves (beside signing). */
  readonly ref: pulumi.Input<string>;
  /**
   * `SignedImage.signedRef`: attest waits for it, so an attestation is only ever added to a
   * signed image (and in the bundle format sign and attest do not rewrite the image's
   * referrers index at once). Default: attest as soon as the scan is done.
   */
  readonly signedRef?: pulumi.Input<string>;
  /** Signs the attestation. */
  readonly key: SigningKeyMaterial;
  /** The public key verify-attestation trusts. Default the signing key's own. */
  readonly verifyPublicKeyPem?: pulumi.Input<string>;
  /** Absolute directory the SBOM file is written to. */
  readonly workDir: string;
  /** Default `spdx-json`. */
  readonly sbomFormat?: SbomFormat;
  /** Default `all-layers`, as the seed asks. */
  readonly scope?: SbomScope;
  /** Default `both`. */
  readonly delivery?: SbomDelivery;
  /** Signature storage format of the attestation. Default `legacy`. */
  readonly signatureFormat?: SignatureFormat;
  /** Credentials when the registry has auth (secret). Default none. */
  readonly registryCredentials?: pulumi.Input<RegistryCredentials>;
  /** CA certificate file to trust when the registry serves TLS with a private CA. Default none. */
  readonly registryCaFile?: string;
  /** Tool binaries. Default each on PATH. */
  readonly tools?: { readonly cosign?: string; readonly syft?: string; readonly node?: string };
  /**
   * Repair counts: a new value re-runs that step for the same digest (the drift check bumps
   * them when the SBOM file, the attestation or the attachment is gone). Default 0 each.
   */
  readonly repairs?: SbomRepairs;
  /**
   * Attest with a signed timestamp from this timestamp authority, and verify the attestation
   * against its trusted root with signed timestamps required (needs `signatureFormat: bundle`).
   * Default none: the key alone, offline.
   */
  readonly timestamps?: TimestampTrust;
}

/** Repair counts of the SBOM steps; see {@link SbomAttestationArgs.repairs}. */
export interface SbomRepairs {
  /** Re-scan: the SBOM file is gone or changed. */
  readonly scan?: pulumi.Input<number>;
  /** Re-attest and re-verify the attestation. */
  readonly attest?: pulumi.Input<number>;
  /** Re-attach the SBOM. */
  readonly attach?: pulumi.Input<number>;
}

/** Resource type token of {@link SbomAttestation}. */
export const SBOM_ATTESTATION_TYPE = "signed-image-lab:signing:SbomAttestation";

/**
 * An SBOM of the pushed digest made by `syft scan` (the seed's step 3.1, which used the
 * deprecated `syft packages` on a tag), attached with `cosign attach sbom` (the seed's step
 * 3.2; deprecated in cosign and unsigned) and attested with `cosign attest`, then checked with
 * `cosign verify-attestation`. The attestation re-runs only when the SBOM's sha256 or the key
 * changes; the scan only when the digest, format or scope changes. The scan runs beside
 * signing; the attestation waits for the signature.
 * See https://github.com/anchore/syft and https://docs.sigstore.dev/cosign/verifying/attestation/.
 */
export class SbomAttestation extends pulumi.ComponentResource {
  /** Path of the SBOM file on the machine that ran `pulumi up`. */
  readonly sbomFile: string;
  /** sha256 of the SBOM file. */
  readonly sbomSha256: pulumi.Output<string>;
  /** How many packages the SBOM lists. */
  readonly packageCount: pulumi.Output<number>;
  /** The digest reference, resolving once the attestation is pushed and verified (undefined when only attached). */
  readonly attestedRef?: pulumi.Output<string>;
  /** The tag of the attached, unsigned SBOM's image (undefined when only attested). */
  readonly attachedRef?: pulumi.Output<string>;

  constructor(name: string, args: SbomAttestationArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SBOM_ATTESTATION_TYPE, name, {}, opts);
    const format = args.sbomFormat ?? LAB_DEFAULTS.sbomFormat;
    this.sbomFile = sbomFileOf(args.workDir, name, format);
    const options = pipelineOptions({
      signatureFormat: args.signatureFormat,
      sbom: { format, scope: args.scope, delivery: args.delivery, file: this.sbomFile },
      timestamps: timestampSigning(args.timestamps),
      registryCaFile: args.registryCaFile,
      tools: args.tools,
    });
    const ref = requireDigestRef(args.ref, "ref");
    const repairs = args.repairs ?? {};
    const results = pipelineCommands(
      name,
      {
        steps: pipelineSteps(options, ["scan", "attach", "attest", "verify-attestation"]),
        options,
        values: pipelineValues({
          ...args,
          ref,
          repairs: { sbomFile: repairs.scan, attestation: repairs.attest, attachment: repairs.attach },
        }),
        environments: pipelineEnvironments(args),
        // Attest waits for the signature when there is one; standalone, it needs only the scan.
        results: { sign: pulumi.output(args.signedRef ?? ref) },
      },
      this,
    );
    const summary = stepOutput(results, "scan");
    this.sbomSha256 = summary.sha256;
    this.packageCount = summary.packages;
    this.attachedRef = results.attach;
    this.attestedRef = results["verify-attestation"];
    this.registerOutputs({
      sbomFile: this.sbomFile,
      sbomSha256: this.sbomSha256,
      packageCount: this.packageCount,
      attestedRef: this.attestedRef,
      attachedRef: this.attachedRef,
    });
  }
}
