import * as pulumi from "@pulumi/pulumi";
import { publicKeyFingerprint, PublicEnv, pipelineOptions, pipelineSteps, type Repairable } from "@signed-image-lab/tooling";
import type { PipelineCommandsArgs, PipelineValueInputs } from "./pipeline-commands.js";
import type { SigningKeyMaterial } from "./signing-key.js";
import { registryEnvironment, type RegistryCredentials } from "./step-command.js";
import { timestampEnvironment, timestampTriggers, type TimestampTrust } from "./timestamp-authority.js";

export { pipelineOptions, pipelineSteps };

/** What the signing components share: the key, the key verification trusts, the registry, the timestamps. */
export interface PipelineTrust {
  readonly key: SigningKeyMaterial;
  /** Default the signing key's own public key. */
  readonly verifyPublicKeyPem?: pulumi.Input<string>;
  readonly registryCredentials?: pulumi.Input<RegistryCredentials>;
  readonly timestamps?: TimestampTrust;
}

/** The pipeline's values for one image. */
export function pipelineValues(
  args: PipelineTrust & { readonly ref: pulumi.Input<string>; readonly repairs?: Partial<Record<Repairable, pulumi.Input<number>>> },
): PipelineValueInputs {
  const repairs = args.repairs ?? {};
  return {
    ref: args.ref,
    keyRef: args.key.keyRef,
    keyFingerprint: args.key.publicKeyFingerprint,
    verifyKeyFingerprint: verifyKey(args).apply(publicKeyFingerprint),
    trustTriggers: pulumi.all(timestampTriggers(args.timestamps)),
    repairs: pulumi.all({
      signature: repairs.signature ?? 0,
      sbomFile: repairs.sbomFile ?? 0,
      attestation: repairs.attestation ?? 0,
      attachment: repairs.attachment ?? 0,
      manifest: repairs.manifest ?? 0,
      tag: repairs.tag ?? 0,
      ociArchive: repairs.ociArchive ?? 0,
    }) as pulumi.Output<Record<Repairable, number>>,
  };
}

/** Every environment a step may be handed: the signer's (secret), the verifier's, the registry's, the trusted root. */
export function pipelineEnvironments(args: PipelineTrust): PipelineCommandsArgs["environments"] {
  return {
    signer: args.key.signerEnvironment,
    verifier: verifyKey(args).apply((pem) => ({ [PublicEnv.cosignPublicKey]: pem })),
    registry: registryEnvironment(args.registryCredentials),
    trust: timestampEnvironment(args.timestamps),
  };
}

function verifyKey(args: PipelineTrust): pulumi.Output<string> {
  return pulumi.output(args.verifyPublicKeyPem ?? args.key.publicKeyPem);
}
