import * as pulumi from "@pulumi/pulumi";
import { VerifiedContainer as LabVerifiedContainer } from "@signed-image-lab/components";
import { loginProblems, refuseProblems, secretLogin } from "./args-validation.js";
import type { RegistryLogin } from "./schema-types.js";

/** Arguments of VerifiedContainer. */
export interface VerifiedContainerArgs {
  /** The image to run, pinned by digest: pass a verifiedRef or admittedRef, so a failed verification stops it. */
  readonly verifiedRef: pulumi.Input<string>;
  /** Host port, published on 127.0.0.1. Default 8090. */
  readonly hostPort?: number;
  /** Port the app listens on inside the container. Default 8080. */
  readonly containerPort?: number;
  /** Credentials to pull from a registry with auth. Default none. */
  readonly registryLogin?: RegistryLogin;
  /** Container name. Default the resource name. */
  readonly containerName?: string;
}

/** Pulls and runs the app from its verified digest: only a reference that passed cosign verify reaches it. */
export class VerifiedContainer extends pulumi.ComponentResource {
  /** The digest reference the container runs, resolving once the container exists. */
  readonly runningRef: pulumi.Output<string>;
  /** http://localhost:port/ */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: VerifiedContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    const login = args?.registryLogin;
    refuseProblems("VerifiedContainerArgs", [
      ...(args?.verifiedRef === undefined ? [{ propertyPath: "verifiedRef", reason: "required" }] : []),
      ...(login ? loginProblems(login.username, login.password, "registryLogin") : []),
    ]);
    super("signing-lab:index:VerifiedContainer", name, {}, opts);
    const container = new LabVerifiedContainer(
      name,
      {
        verifiedRef: args.verifiedRef,
        hostPort: args.hostPort,
        containerPort: args.containerPort,
        registryCredentials: secretLogin(login?.username, login?.password),
        containerName: args.containerName,
      },
      { parent: this },
    );
    this.runningRef = container.runningRef;
    this.url = container.url;
    this.registerOutputs({ runningRef: this.runningRef, url: this.url });
  }
}
