import * as pulumi from "@pulumi/pulumi";
import { inspectStep, parseDigestRef, renderStepScript } from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import { registryEnvironment, stepCommand, type RegistryCredentials } from "./step-command.js";

/** What the lab keeps of `skopeo inspect`. */
export interface InspectionSummary {
  readonly digest: string;
  readonly layers: readonly string[];
  readonly created: string;
}

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

/**
 * Reads what `skopeo inspect` tells of an independent view of the pushed digest (the seed's step
 * 1.4, which inspected a tag); keeps digest, layers and creation time, and fails when the
 * registry reports another digest than the one pushed.
 */
export function summariseInspection(expectedRef: string, inspectJson: string): InspectionSummary {
  const { digest } = parseDigestRef(expectedRef);
  const report = JSON.parse(inspectJson) as { Digest?: string; Layers?: string[]; Created?: string };
  if (report.Digest !== digest) {
    throw new Error(`skopeo inspect reports digest ${report.Digest ?? "(none)"}, but ${expectedRef} was pushed`);
  }
  return { digest, layers: report.Layers ?? [], created: report.Created ?? "" };
}

/** `skopeo inspect` of the pushed digest as a Command; its JSON becomes a stack output. */
export class ImageInspection extends pulumi.ComponentResource {
  /** Digest, layers and creation time as skopeo reports them. */
  readonly summary: pulumi.Output<InspectionSummary>;

  constructor(name: string, args: ImageInspectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IMAGE_INSPECTION_TYPE, name, {}, opts);
    const ref = requireDigestRef(args.ref, "ref");
    const inspect = stepCommand(
      `${name}-inspect`,
      {
        script: ref.apply((r) => renderStepScript(
            inspectStep({ ref: r, registryCaFile: args.registryCaFile, skopeo: args.skopeo }),
          )),
        environment: registryEnvironment(args.registryCredentials),
        triggers: [ref],
      },
      { parent: this },
    );
    this.summary = pulumi.all([ref, inspect.stdout]).apply(([r, out]) => summariseInspection(r, out));
    this.registerOutputs({ summary: this.summary });
  }
}
