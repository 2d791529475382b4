import * as pulumi from "@pulumi/pulumi";
import { Registry as LabRegistry } from "@signed-image-lab/components";
import { refuseProblems, type ArgProblem } from "./args-validation.js";
import type { RegistryUser } from "./schema-types.js";

/** Arguments of Registry. */
export interface RegistryArgs {
  /** Host port, published on 127.0.0.1 and mapped to the registry's port 5000. Default 5001. */
  readonly port?: number;
  /** The registry image (distribution). Default distribution 2.8.3, pinned by digest. */
  readonly image?: pulumi.Input<string>;
  /** htpasswd users; auth is on when there is at least one. The first one pushes and signs. Default none. */
  readonly users?: RegistryUser[];
  /** Name of the container. Default the resource name. */
  readonly containerName?: string;
  /** Seconds to wait for /v2/ to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** The curl binary of the readiness probe. Default curl on PATH. */
  readonly curl?: string;
  /** The node binary that draws the htpasswd salt seed. Default node on PATH. */
  readonly node?: string;
  /** Serve TLS with a CA made by the program, its certificate written to this absolute file. Default plain HTTP. */
  readonly tlsCaFile?: string;
}

/** Problems with a Registry's arguments. */
export function registryProblems(args: RegistryArgs): ArgProblem[] {
  return (args.users ?? []).flatMap((user, i) =>
    !user?.username || /[:\s]/.test(user.username)
      ? [{ propertyPath: `users[${i}].username`, reason: "required, without ':' or white space" }]
      : [],
  );
}

/**
 * A local container registry (distribution) on 127.0.0.1 with deletes enabled and optional htpasswd
 * auth; its endpoint resolves only once /v2/ answers. See https://distribution.github.io/distribution/
 */
export class Registry extends pulumi.ComponentResource {
  /** localhost:port, resolving once the registry serves. */
  readonly endpoint: pulumi.Output<string>;
  /** Whether htpasswd auth is on. */
  readonly authEnabled: pulumi.Output<boolean>;
  /** The first user's name (with auth). */
  readonly username?: pulumi.Output<string>;
  /** The first user's password (with auth; a secret). */
  readonly password?: pulumi.Output<string>;
  /** The CA certificate PEM (with TLS). */
  readonly caCertificatePem?: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseProblems("RegistryArgs", registryProblems(args ?? {}));
    super("signing-lab:index:Registry", name, {}, opts);
    const registry = new LabRegistry(
      name,
      {
        port: args?.port,
        image: args?.image,
        users: args?.users,
        containerName: args?.containerName,
        readyTimeoutSeconds: args?.readyTimeoutSeconds,
        curl: args?.curl,
        node: args?.node,
        tls: args?.tlsCaFile ? { caFile: args.tlsCaFile } : undefined,
      },
      { parent: this },
    );
    this.endpoint = registry.endpoint;
    this.authEnabled = registry.authEnabled;
    this.username = registry.credentials?.apply((c) => c.username as string);
    this.password = registry.credentials ? pulumi.secret(registry.credentials.apply((c) => c.password as string)) : undefined;
    this.caCertificatePem = registry.caCertificatePem;
    this.registerOutputs({
      endpoint: this.endpoint,
      authEnabled: this.authEnabled,
      username: this.username,
      password: this.password,
      caCertificatePem: this.caCertificatePem,
    });
  }
}
