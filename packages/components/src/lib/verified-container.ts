import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { registryHostOf } from "@signed-image-lab/tooling";
import { requireDigestRef } from "./digest-input.js";
import type { RegistryCredentials } from "./step-command.js";
import { LAB_DEFAULTS } from "./lab-config.js";

/** Arguments of {@link VerifiedContainer}. */
export interface VerifiedContainerArgs {
  /** The image to run: pass `SignedImage.verifiedRef`, so a failed verification stops it. */
  readonly verifiedRef: pulumi.Input<string>;
  /** Host port, published on 127.0.0.1. Default 8090. */
  readonly hostPort?: number;
  /** Port the app listens on inside the container. Default 8080. */
  readonly containerPort?: number;
  /** Credentials to pull from a registry with auth (secret). Default none. */
  readonly registryCredentials?: pulumi.Input<RegistryCredentials>;
  /** Container name. Default `<resource name>`. */
  readonly containerName?: string;
}

/** Resource type token of {@link VerifiedContainer}. */
export const VERIFIED_CONTAINER_TYPE = "signed-image-lab:signing:VerifiedContainer";

/**
 * Pulls and runs the app from the verified digest (the seed's step 1.5, whose `docker run -p
 * 8090` named neither image nor container port). Only a reference that passed `cosign
 * verify` reaches it, so an unverified image never runs.
 */
export class VerifiedContainer extends pulumi.ComponentResource {
  /** The digest reference the container runs, resolving once the container exists. */
  readonly runningRef: pulumi.Output<string>;
  /** `http://localhost:<port>/`. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: VerifiedContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(VERIFIED_CONTAINER_TYPE, name, {}, opts);
    const ref = requireDigestRef(args.verifiedRef, "verifiedRef");
    const hostPort = args.hostPort ?? LAB_DEFAULTS.appPort;
    const provider = args.registryCredentials
      ? new docker.Provider(
          `${name}-registry-auth`,
          {
            registryAuth: [
              pulumi
                .all([ref, pulumi.output(args.registryCredentials)])
                .apply(([r, c]) => ({ address: registryHostOf(r), username: c.username as string, password: c.password as string })),
            ],
          },
          { parent: this },
        )
      : undefined;
    const image = new docker.RemoteImage(`${name}-image`, { name: ref, keepLocally: false }, { parent: this, provider });
    const container = new docker.Container(
      name,
      {
        name: args.containerName ?? name,
        image: image.imageId,
        ports: [{ internal: args.containerPort ?? 8080, external: hostPort, ip: "127.0.0.1" }],
        restart: "unless-stopped",
      },
      { parent: this, provider },
    );
    this.runningRef = pulumi.all([container.id, ref]).apply(([, r]) => r);
    this.url = container.id.apply(() => `http://localhost:${hostPort}/`);
    this.registerOutputs({ runningRef: this.runningRef, url: this.url });
  }
}
