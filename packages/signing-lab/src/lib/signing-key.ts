import * as pulumi from "@pulumi/pulumi";
import { SigningKey as LabSigningKey } from "@signed-image-lab/components";
import { refuseProblems, signingKeyProblems, toSigningKeySource } from "./args-validation.js";
import type { SigningKeySource } from "./schema-types.js";

/** Arguments of SigningKey: the source and the fields it reads. */
export interface SigningKeyArgs {
  /** generate, import or kms. Default generate. */
  readonly source?: SigningKeySource;
  /** The key's password (a secret): required for a generated or imported key. */
  readonly password?: pulumi.Input<string>;
  /** The encrypted cosign private key PEM (a secret; only with source import). */
  readonly privateKeyPem?: pulumi.Input<string>;
  /** The cosign KMS URI, such as hashivault://lab-signer (only with source kms). */
  readonly kmsUri?: string;
  /** Environment cosign signs through the KMS with, such as VAULT_ADDR and VAULT_TOKEN (only with source kms). */
  readonly kmsEnvironment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The cosign binary. Default cosign on PATH. */
  readonly cosign?: string;
}

/**
 * A cosign key pair: generated non-interactively with its password, imported, or held in a KMS. The
 * private key is a secret output and reaches cosign only through an environment variable.
 * See https://docs.sigstore.dev/cosign/key_management/signing_with_self-managed_keys/
 */
export class SigningKey extends pulumi.ComponentResource {
  /** What cosign's --key names (env://COSIGN_PRIVATE_KEY, or the KMS URI). */
  readonly keyRef: pulumi.Output<string>;
  /** The environment cosign signs with (a secret). */
  readonly signerEnvironment: pulumi.Output<Record<string, string>>;
  /** The public key PEM. */
  readonly publicKeyPem: pulumi.Output<string>;
  /** The sha256 of the public key (DER): the key's identity. */
  readonly publicKeyFingerprint: pulumi.Output<string>;

  constructor(name: string, args: SigningKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseProblems("SigningKeyArgs", signingKeyProblems(args ?? {}));
    super("signing-lab:index:SigningKey", name, {}, opts);
    const key = new LabSigningKey(
      name,
      { source: toSigningKeySource(args), password: args.password, cosign: args.cosign },
      { parent: this },
    );
    this.keyRef = key.keyRef;
    this.signerEnvironment = pulumi.secret(key.signerEnvironment);
    this.publicKeyPem = key.publicKeyPem;
    this.publicKeyFingerprint = key.publicKeyFingerprint;
    this.registerOutputs({
      keyRef: this.keyRef,
      signerEnvironment: this.signerEnvironment,
      publicKeyPem: this.publicKeyPem,
      publicKeyFingerprint: this.publicKeyFingerprint,
    });
  }
}
