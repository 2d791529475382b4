import * as pulumi from "@pulumi/pulumi";
/** Where the key comes from. */
export type SigningKeySource = 
/** `cosign generate-key-pair`, once; the pair lives (encrypted) in the stack state. */
{
    readonly kind: "generate";
}
/** An existing cosign private key PEM, from a config secret. */
 | {
    readonly kind: "import";
    readonly privateKeyPem: pulumi.Input<string>;
}
/** A KMS key cosign addresses by URI (`hashivault://lab`, `awskms://…`); the key never leaves it. */
 | {
    readonly kind: "kms";
    readonly uri: string;
    readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
};
/** Arguments of {@link SigningKey}. */
export interface SigningKeyArgs {
    /** Default `{ kind: "generate" }`. */
    readonly source?: SigningKeySource;
    /** Password of the private key (secret). Required unless the source is `kms`. */
    readonly password?: pulumi.Input<string>;
    /** The cosign binary. Default `cosign` on PATH. */
    readonly cosign?: string;
}
/** What signing and verifying steps need of a key; {@link SigningKey} provides it. */
export interface SigningKeyMaterial {
    /** The `--key` value for signing: `env://COSIGN_PRIVATE_KEY` or a KMS URI. */
    readonly keyRef: pulumi.Output<string>;
    /** Variables that let cosign use the private key (secret). */
    readonly signerEnvironment: pulumi.Output<Record<string, string>>;
    /** The public key PEM. */
    readonly publicKeyPem: pulumi.Output<string>;
    /** sha256 of the public key: the key's identity, a trigger for re-signing. */
    readonly publicKeyFingerprint: pulumi.Output<string>;
}
/** Resource type token of {@link SigningKey}. */
export declare const SIGNING_KEY_TYPE = "signed-image-lab:signing:SigningKey";
/**
 * A cosign key pair (the seed's step 2.2), generated non-interactively with the password from
 * a secret, imported from config, or held in a KMS. The private key is a secret output and
 * reaches cosign only through the `COSIGN_PRIVATE_KEY` variable (`--key env://…`): it is
 * written to disk only inside the generate step's private directory, which that step removes.
 * See https://docs.sigstore.dev/cosign/key_management/signing_with_self-managed_keys/.
 */
export declare class SigningKey extends pulumi.ComponentResource implements SigningKeyMaterial {
    readonly keyRef: pulumi.Output<string>;
    readonly signerEnvironment: pulumi.Output<Record<string, string>>;
    readonly publicKeyPem: pulumi.Output<string>;
    readonly publicKeyFingerprint: pulumi.Output<string>;
    /** The private key PEM (secret; encrypted by its password), or undefined for a KMS key. */
    readonly privateKeyPem?: pulumi.Output<string>;
    constructor(name: string, args?: SigningKeyArgs, opts?: pulumi.ComponentResourceOptions);
}
