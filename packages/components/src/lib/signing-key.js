import * as pulumi from "@pulumi/pulumi";
import { generateKeyPairStep, PRIVATE_KEY_FROM_ENV, publicKeyStep, renderStepScript, SecretEnv, publicKeyFingerprint, splitCosignKeyPair, } from "@signed-image-lab/tooling";
import { stepCommand } from "./step-command.js";
/** Resource type token of {@link SigningKey}. */
export const SIGNING_KEY_TYPE = "signed-image-lab:signing:SigningKey";
/**
 * A cosign key pair (the seed's step 2.2), generated non-interactively with the password from
 * a secret, imported from config, or held in a KMS. The private key is a secret output and
 * reaches cosign only through the `COSIGN_PRIVATE_KEY` variable (`--key env://…`): it is
 * written to disk only inside the generate step's private directory, which that step removes.
 * See https://docs.sigstore.dev/cosign/key_management/signing_with_self-managed_keys/.
 */
export class SigningKey extends pulumi.ComponentResource {
    keyRef;
    signerEnvironment;
    publicKeyPem;
    publicKeyFingerprint;
    /** The private key PEM (secret; encrypted by its password), or undefined for a KMS key. */
    privateKeyPem;
    constructor(name, args = {}, opts) {
        super(SIGNING_KEY_TYPE, name, {}, opts);
        const source = args.source ?? { kind: "generate" };
        if (source.kind !== "kms" && args.password === undefined) {
            throw new pulumi.InputPropertyError({ propertyPath: "password", reason: `password is required for a ${source.kind}d key` });
        }
        const password = pulumi.secret(pulumi.output(args.password ?? ""));
        this.keyRef = pulumi.output(source.kind === "kms" ? source.uri : PRIVATE_KEY_FROM_ENV);
        let generatedPublicKeyPem;
        if (source.kind === "generate") {
            const generate = stepCommand(`${name}-generate`, {
                script: renderStepScript(generateKeyPairStep({ cosign: args.cosign })),
                environment: { [SecretEnv.cosignPassword]: password },
                triggers: [],
                secretStdout: true,
            }, { parent: this });
            const pair = generate.stdout.apply(splitCosignKeyPair);
            this.privateKeyPem = pulumi.secret(pair.privateKeyPem);
            generatedPublicKeyPem = pulumi.unsecret(pair.publicKeyPem);
        }
        else if (source.kind === "import") {
            this.privateKeyPem = pulumi.secret(pulumi.output(source.privateKeyPem));
        }
        this.signerEnvironment = pulumi.secret(source.kind === "kms"
            ? pulumi.output(source.environment ?? {})
            : pulumi.all([this.privateKeyPem ?? "", password]).apply(([key, pass]) => ({
                [SecretEnv.cosignPrivateKey]: key,
                [SecretEnv.cosignPassword]: pass,
            })));
        this.publicKeyPem =
            generatedPublicKeyPem ??
                stepCommand(`${name}-public-key`, {
                    script: this.keyRef.apply((keyRef) => renderStepScript(publicKeyStep({ keyRef, cosign: args.cosign }))),
                    environment: this.signerEnvironment,
                    triggers: [],
                }, { parent: this }).stdout;
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
//# sourceMappingURL=signing-key.js.map