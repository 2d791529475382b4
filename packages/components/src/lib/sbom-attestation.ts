import * as pulumi from "@pulumi/pulumi";
import {
  attachSbomStep,
  attestStep,
  legacyArtifactRef,
  parseDigestRef,
  parseSbomSummary,
  PublicEnv,
  renderStepScript,
  SBOM_FORMATS,
  scanStep,
  verifyAttestationStep,
  type SbomFormat,
  type SbomScope,
  publicKeyFingerprint,
  type SignatureFormat,
} from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import type { SigningKeyMaterial } from "./signing-key.js";
import { afterStep, mergeEnvironments, registryEnvironment, stepCommand, type RegistryCredentials } from "./step-command.js";
import { timestampEnvironment, timestampSigning, timestampTriggers, type TimestampTrust } from "./timestamp-authority.js";

/** How the SBOM reaches the registry: a signed attestation, the seed's unsigned attachment, or both. */
export type SbomDelivery = "attest" | "attach" | "both";

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
  readonly format?: SbomFormat;
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

/** Where {@link SbomAttestation} named `name` writes its SBOM file. */
export function sbomFileOf(workDir: string, name: string, format: SbomFormat): string {
  return `${workDir}/${name}.${SBOM_FORMATS[format].fileSuffix}`;
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
    const format = args.format ?? "spdx-json";
    const delivery = args.delivery ?? "both";
    const signatureFormat = args.signatureFormat ?? "legacy";
    const tools = args.tools ?? {};
    const repairs = args.repairs ?? {};
    const ref = requireDigestRef(args.ref, "ref");
    const registryEnv = registryEnvironment(args.registryCredentials);
    this.sbomFile = sbomFileOf(args.workDir, name, format);
    const sbomFile = this.sbomFile;

    const scan = stepCommand(
      `${name}-scan`,
      {
        script: ref.apply((r) =>
          renderStepScript(
            scanStep({ ref: r, outFile: sbomFile, format, scope: args.scope, syft: tools.syft, node: tools.node, registryCaFile: args.registryCaFile }),
          ),
        ),
        environment: registryEnv,
        triggers: [ref, format, args.scope ?? "all-layers", repairs.scan ?? 0],
        deleteScript: renderStepScript({ invocations: [{ argv: ["rm", "-f", sbomFile] }] }),
      },
      { parent: this },
    );
    const summary = scan.stdout.apply(parseSbomSummary);
    this.sbomSha256 = summary.sha256;
    this.packageCount = summary.packages;
    const scannedRef = afterStep(scan, ref);

    if (delivery !== "attest") {
      const attach = stepCommand(
        `${name}-attach`,
        {
          script: pulumi.all([scannedRef, this.sbomSha256]).apply(([r, sbomSha256]) =>
            renderStepScript(attachSbomStep({ ref: r, sbomFile, sbomFormat: format, sbomSha256, cosign: tools.cosign, registryCaFile: args.registryCaFile })),
          ),
          environment: registryEnv,
          triggers: [scannedRef, this.sbomSha256, repairs.attach ?? 0],
        },
        { parent: this },
      );
      this.attachedRef = afterStep(attach, scannedRef.apply((r) => legacyArtifactRef(parseDigestRef(r), "sbom")));
    }

    if (delivery !== "attach") {
      const attestRef = args.signedRef === undefined ? scannedRef : pulumi.all([scannedRef, args.signedRef]).apply(([r]) => r);
      const attest = stepCommand(
        `${name}-attest`,
        {
          script: pulumi
            .all([attestRef, args.key.keyRef, this.sbomSha256])
            .apply(([r, keyRef, sbomSha256]) =>
              renderStepScript(
                attestStep({
                  ref: r,
                  keyRef,
                  timestamps: timestampSigning(args.timestamps),
                  predicateFile: sbomFile,
                  sbomFormat: format,
                  sbomSha256,
                  format: signatureFormat,
                  cosign: tools.cosign,
                  registryCaFile: args.registryCaFile,
                }),
              ),
            ),
          environment: mergeEnvironments(args.key.signerEnvironment, registryEnv, timestampEnvironment(args.timestamps)),
          triggers: [attestRef, this.sbomSha256, args.key.publicKeyFingerprint, signatureFormat, repairs.attest ?? 0, ...timestampTriggers(args.timestamps)],
        },
        { parent: this },
      );
      const verifyKey = pulumi.output(args.verifyPublicKeyPem ?? args.key.publicKeyPem);
      const attestedRef = afterStep(attest, attestRef);
      const verify = stepCommand(
        `${name}-verify-attestation`,
        {
          script: attestedRef.apply((r) =>
            renderStepScript(
              verifyAttestationStep({
                ref: r,
                sbomFormat: format,
                format: signatureFormat,
                signedTimestamps: args.timestamps !== undefined,
                transparencyLog: args.timestamps?.logUrl !== undefined,
                cosign: tools.cosign,
                registryCaFile: args.registryCaFile,
              }),
            ),
          ),
          environment: mergeEnvironments({ [PublicEnv.cosignPublicKey]: verifyKey }, registryEnv, timestampEnvironment(args.timestamps)),
          triggers: [attestedRef, this.sbomSha256, verifyKey.apply(publicKeyFingerprint), repairs.attest ?? 0, ...timestampTriggers(args.timestamps)],
        },
        { parent: this },
      );
      this.attestedRef = afterStep(verify, attestedRef);
    }
    this.registerOutputs({
      sbomFile: this.sbomFile,
      sbomSha256: this.sbomSha256,
      packageCount: this.packageCount,
      attestedRef: this.attestedRef,
      attachedRef: this.attachedRef,
    });
  }
}
