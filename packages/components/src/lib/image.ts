import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  buildClockStep,
  formatDigestRef,
  parseDigestRef,
  readBuildSources,
  removeBuiltTagStep,
  renderStepScript,
  type BuildInputs,
} from "@signed-image-lab/tooling";
import { LAB_DEFAULTS } from "./lab-config.js";
import type { RegistryAccess } from "./registry.js";
import { stepCommand } from "./step-command.js";

/** Arguments of {@link Image}. */
export interface ImageArgs {
  /** Where to push; its credentials are used when it has auth. */
  readonly registry: RegistryAccess;
  /** Repository name inside the registry. Default `studentbook`. */
  readonly repository?: pulumi.Input<string>;
  /** Tag pushed beside the digest. Default `1.0`. */
  readonly tag?: pulumi.Input<string>;
  /** Build context directory. */
  readonly context: pulumi.Input<string>;
  /** Dockerfile, relative to the context. Default `Dockerfile`. */
  readonly dockerfile?: pulumi.Input<string>;
  /** Build arguments, e.g. `BASE_IMAGE` for machines without Docker Hub. Default none. */
  readonly buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The image the Dockerfile builds `FROM`, as the provenance records it. Default the build argument `BASE_IMAGE`. */
  readonly baseImage?: pulumi.Input<string>;
  /**
   * A count whose every new value builds and pushes the image again (the image's replacement
   * trigger): the drift check raises it when the registry no longer serves the pushed manifest.
   * A build from the local cache gives the same digest; a rebuild without it, a new one. Default
   * none: pushed only when the build's inputs change.
   */
  readonly pushAgain?: pulumi.Input<number>;
}

/** Resource type token of {@link Image}. */
export const IMAGE_TYPE = "signed-image-lab:signing:Image";

/**
 * Builds an image and pushes it to the lab registry (the seed's steps 1.2 and 1.3), exposing
 * the pushed reference pinned by digest. Downstream steps take `ref`, never the tag.
 */
export class Image extends pulumi.ComponentResource {
  /** `host:port/repository@sha256:…` as pushed. */
  readonly ref: pulumi.Output<string>;
  /** The tag reference that was pushed too (moves on the next push; for people, not for signing). */
  readonly taggedRef: pulumi.Output<string>;
  /** What the build was made from, and when it started: the inputs of its provenance. */
  readonly build: pulumi.Output<BuildInputs>;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super(IMAGE_TYPE, name, {}, opts);
    const registry = pulumi.output(args.registry.endpoint);
    const credentials = args.registry.credentials ? pulumi.output(args.registry.credentials) : undefined;
    this.taggedRef = pulumi.interpolate`${registry}/${args.repository ?? LAB_DEFAULTS.image.name}:${args.tag ?? LAB_DEFAULTS.image.tag}`;
    const dockerfile = pulumi.output(args.dockerfile ?? LAB_DEFAULTS.image.dockerfile);
    const buildArgs = pulumi.output(args.buildArgs ?? {}) as pulumi.Output<Record<string, string>>;
    const sources = pulumi.all([args.context, dockerfile]).apply(([context, file]) => readBuildSources(context, file));
    // The build's start, read once per set of inputs: a rebuild of the same sources keeps it.
    const clock = stepCommand(
      `${name}-build-clock`,
      { script: renderStepScript(buildClockStep()), triggers: [sources, buildArgs] },
      { parent: this },
    );
    const image = new docker.Image(
      name,
      {
        imageName: this.taggedRef,
        build: {
          context: args.context,
          dockerfile: pulumi.all([args.context, args.dockerfile ?? LAB_DEFAULTS.image.dockerfile]).apply(([c, d]) => `${c}/${d}`),
          args: args.buildArgs,
          platform: "linux/amd64",
        },
        registry: {
          server: registry,
          username: credentials?.username,
          password: credentials ? pulumi.secret(credentials.password) : undefined,
        },
      },
      { parent: this, dependsOn: [clock], ...(args.pushAgain === undefined ? {} : { replacementTrigger: args.pushAgain }) },
    );
    this.build = pulumi
      .all([sources, buildArgs, args.baseImage ?? buildArgs.apply((a) => a.BASE_IMAGE ?? ""), clock.stdout])
      .apply(
        ([source, argsUsed, baseImage, started]): BuildInputs => ({ ...source, buildArgs: argsUsed, baseImage, startedOn: started.trim() }),
      );
    this.ref = image.repoDigest.apply((digestRef) => formatDigestRef(parseDigestRef(digestRef, "the pushed image")));
    // docker.Image leaves its local build tag behind on destroy; this step's delete removes it.
    stepCommand(
      `${name}-built-tag`,
      {
        script: renderStepScript({ invocations: [{ argv: ["true"] }] }),
        deleteScript: pulumi
          .all([this.taggedRef, image.repoDigest])
          .apply(([tag, digestRef]) => renderStepScript(removeBuiltTagStep({ tag, digestRef }))),
        triggers: [image.repoDigest],
      },
      { parent: this },
    );
    this.registerOutputs({ ref: this.ref, taggedRef: this.taggedRef, build: this.build });
  }
}
