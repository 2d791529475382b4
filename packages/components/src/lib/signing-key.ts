import * as pulumi from "@pulumi/pulumi";
import {
  generateKeyPairStep,
  PRIVATE_KEY_FROM_ENV,
  publicKeyStep,
  renderStepScript,
  SecretEnv,
  publicKeyFingerprint,
  splitCosignKeyPair,
} from "@signed-image-lab/tooling";
import { stepCommand } from "./step-command.js";

/** Where the key comes from. */
export type SigningKeySource =
  /** `cosign generate-key-pair`, once; the pair lives (encrypted) in the stack state. */
  | { readonly kind: "generate" }
  /** An existing cosign private key PEM, from a config secret. */
  | { readonly kind: "import"; readonly privateKeyPem: pulumi.Input<string> }
  /** A KMS key cosign addresses by URI (`hashivault://lab`, `awskms://…`); the key never leaves it. */
  | { readonly kind: "kms"; readonly uri: string; readonly environment?: pulumi.Input<Record<string, pulumi.Input<string>>> };

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
export const SIGNING_KEY_TYPE = "signed-image-lab:signing:SigningKey";

/**
 * A cosign key pair (the seed's step 2.2), generated non-interactively with the password from
 * a secret, imported from config, or held in a KMS. The private key is a secret output and
 * reaches cosign only through the `COSIGN_PRIVATE_KEY` variable (`--key env://…`): it is
 * written to disk only inside the generate step's private directory, which that step removes.
 * See https://docs.sigstore.dev/cosign/key_management/signing_with_self-managed_keys/.
 */
export class SigningKey extends pulumi.ComponentResource implements SigningKeyMaterial {
  readonly keyRef: pulumi.Output<string>;
  readonly signerEnvironment: pulumi.Output<Record<string, string>>;
  readonly publicKeyPem: pulumi.Output<string>;
  readonly publicKeyFingerprint: pulumi.Output<string>;
  /** The private key PEM (secret; encrypted by its password), or undefined for a KMS key. */
  readonly privateKeyPem?: pulumi.Output<string>;

  constructor(name: string, args: SigningKeyArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(SIGNING_KEY_TYPE, name, {}, opts);
    const source = args.source ?? { kind: "generate" };
    if (source.kind !== "kms" && args.password === undefined) {
      throw new pulumi.InputPropertyError({ propertyPath: "password", reason: `password is required for a ${source.kind}d key` });
    }
    const password = pulumi.secret(pulumi.output(args.password ?? ""));
    this.keyRef = pulumi.output(source.kind === "kms" ? source.uri : PRIVATE_KEY_FROM_ENV);

    let generatedPublicKeyPem: pulumi.Output<string> | undefined;
    if (source.kind === "generate") {
      const generate = stepCommand(
        `${name}-generate`,
        {
          script: renderStepScript(generateKeyPairStep({ cosign: args.cosign })),
          environment: { [SecretEnv.cosignPassword]: password },
          triggers: [],
          secretStdout: true,
        },
        { parent: this },
      );
      const pair = generate.stdout.apply(splitCosignKeyPair);
      this.privateKeyPem = pulumi.secret(pair.privateKeyPem);
      generatedPublicKeyPem = pulumi.unsecret(pair.publicKeyPem);
    } else if (source.kind === "import") {
      this.privateKeyPem = pulumi.secret(pulumi.output(source.privateKeyPem));
    }

    this.signerEnvironment = pulumi.secret(
      source.kind === "kms"
        ? pulumi.output(source.environment ?? {})
        : pulumi.all([this.privateKeyPem ?? "", password]).apply(([key, pass]) => ({
            [SecretEnv.cosignPrivateKey]: key,
            [SecretEnv.cosignPassword]: pass,
          })),
    );
    this.publicKeyPem =
      generatedPublicKeyPem ??
      stepCommand(
        `${name}-public-key`,
        {
          script: this.keyRef.apply((keyRef) => renderStepScript(publicKeyStep({ keyRef, cosign: args.cosign }))),
          environment: this.signerEnvironment,
          triggers: [],
        },
        { parent: this },
      ).stdout;
    this.publicKeyFingerprint = this.publicKeyPem.apply(publicKeyFingerprint);
    this.registerOutputs({
      keyRef: this.keyRef,
      publicKeyPem: this.publicKeyPem,
      publicKeyFingerprint: this.publicKeyFingerprint,
      privateKeyPem: this.privateKeyPem,
      signerEnvironment: this.signerEnvironment,
    });
  }
}
