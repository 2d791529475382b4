import * as pulumi from "@pulumi/pulumi";
import { summariseInspection, type InspectionSummary } from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import { pipelineCommands, stepOutput } from "./pipeline-commands.js";
import { pipelineOptions, pipelineSteps } from "./pipeline-inputs.js";
import { registryEnvironment, type RegistryCredentials } from "./step-command.js";

export { summariseInspection, type InspectionSummary };

/** Arguments of {@link ImageInspection}. */
export interface ImageInspectionArgs {
  /** The image, pinned by digest. */
  readonly ref: pulumi.Input<string>;
  /** Credentials when the registry has auth (secret). Default none. */
  readonly registryCredentials?: pulumi.Input<RegistryCredentials>;
  /**
   * CA certificate file to trust when the registry serves TLS with a private CA. Without it a
   * loopback registry is read over plain HTTP, any other over verified https.
   */
  readonly registryCaFile?: string;
  /** The skopeo binary. Default `skopeo` on PATH. */
  readonly skopeo?: string;
}

/** Resource type token of {@link ImageInspection}. */
export const IMAGE_INSPECTION_TYPE = "signed-image-lab:signing:ImageInspection";

/** `skopeo inspect` of the pushed digest as a Command; its JSON becomes a stack output. */
export class ImageInspection extends pulumi.ComponentResource {
  /** Digest, layers and creation time as skopeo reports them. */
  readonly summary: pulumi.Output<InspectionSummary>;

  constructor(name: string, args: ImageInspectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IMAGE_INSPECTION_TYPE, name, {}, opts);
    const ref = requireDigestRef(args.ref, "ref");
    const options = pipelineOptions({ registryCaFile: args.registryCaFile, tools: { skopeo: args.skopeo } });
    const results = pipelineCommands(
      name,
      {
        steps: pipelineSteps(options, ["inspect"]),
        options,
        values: { ref },
        environments: { registry: registryEnvironment(args.registryCredentials) },
      },
      this,
    );
    this.summary = stepOutput(results, "inspect");
    this.registerOutputs({ summary: this.summary });
  }
}
