import * as pulumi from "@pulumi/pulumi";
import type { SignatureFormat } from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import { pipelineCommands, stepOutput } from "./pipeline-commands.js";
import { pipelineEnvironments, pipelineOptions, pipelineSteps, pipelineValues } from "./pipeline-inputs.js";
import type { SigningKeyMaterial } from "./signing-key.js";
import type { RegistryCredentials } from "./step-command.js";
import { timestampSigning, type TimestampTrust } from "./timestamp-authority.js";

/** Arguments of {@link SignedImage}. */
export interface SignedImageArgs {
  /** The image to sign, pinned by digest (`repo@sha256:…`); a tag is refused. */
  readonly ref: pulumi.Input<string>;
  /** The signing key. */
  readonly key: SigningKeyMaterial;
  /**
   * The public key verification trusts. Default the signing key's own public key; set it to a
   * key pinned in config to make verification independent of the signer.
   */
  readonly verifyPublicKeyPem?: pulumi.Input<string>;
  /** Credentials when the registry has auth (secret). Default none. */
  readonly registryCredentials?: pulumi.Input<RegistryCredentials>;
  /** CA certificate file to trust when the registry serves TLS with a private CA. Default none. */
  readonly registryCaFile?: string;
  /** `legacy` (`.sig` tag, default) or `bundle` (Sigstore bundle as an OCI referrer). */
  readonly format?: SignatureFormat;
  /** The cosign binary. Default `cosign` on PATH. */
  readonly cosign?: string;
  /**
   * Repair count of the signature: a new value re-signs and re-verifies the same digest (the
   * drift check bumps it when the signature is gone from the registry). Default 0.
   */
  readonly repairs?: pulumi.Input<number>;
  /**
   * Sign with a signed timestamp from this timestamp authority, and verify against its trusted
   * root with signed timestamps required (`transparency: timestamps`; needs `format: bundle`);
   * with its `logUrl` also log the signature and require the entry (`timestamps+log`).
   * Default none: the key alone, offline.
   */
  readonly timestamps?: TimestampTrust;
}

/** Resource type token of {@link SignedImage}. */
export const SIGNED_IMAGE_TYPE = "signed-image-lab:signing:SignedImage";

/**
 * Signs an image by digest with cosign, offline (no transparency-log upload), then verifies the
 * signature with the public key (the seed's step 3.0). A failed verification fails the update,
 * and nothing that takes `verifiedRef` is created. Re-signs only when the digest, the key or
 * the format changes. Signatures stay in the registry after destroy.
 * See https://docs.sigstore.dev/cosign/signing/signing_with_containers/.
 */
export class SignedImage extends pulumi.ComponentResource {
  /** The digest reference, resolving once `cosign sign` succeeded. */
  readonly signedRef: pulumi.Output<string>;
  /** The digest reference, resolving once `cosign verify` accepted it. */
  readonly verifiedRef: pulumi.Output<string>;
  /** Where the legacy signature is stored (`cosign triangulate`); undefined in bundle format. */
  readonly signatureRef?: pulumi.Output<string>;

  constructor(name: string, args: SignedImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SIGNED_IMAGE_TYPE, name, {}, opts);
    const options = pipelineOptions({
      signatureFormat: args.format,
      timestamps: timestampSigning(args.timestamps),
      registryCaFile: args.registryCaFile,
      tools: { cosign: args.cosign },
    });
    const results = pipelineCommands(
      name,
      {
        steps: pipelineSteps(options, ["sign", "verify", "triangulate"]),
        options,
        values: pipelineValues({ ...args, ref: requireDigestRef(args.ref, "ref"), repairs: { signature: args.repairs } }),
        environments: pipelineEnvironments(args),
      },
      this,
    );
    this.signedRef = stepOutput(results, "sign");
    this.verifiedRef = stepOutput(results, "verify");
    this.signatureRef = results.triangulate;
    this.registerOutputs({ signedRef: this.signedRef, verifiedRef: this.verifiedRef, signatureRef: this.signatureRef });
  }
}
