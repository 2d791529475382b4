import * as pulumi from "@pulumi/pulumi";
import { TransparencyLog as LabTransparencyLog } from "@signed-image-lab/components";
import type { ServiceTools } from "./schema-types.js";

/** Arguments of TransparencyLog. */
export interface TransparencyLogArgs {
  /** Host port, published on 127.0.0.1 only. Default 3031. */
  readonly port?: number;
  /** The Rekor v2 image. Default the pinned signed-image-lab/rekor-tiles image. */
  readonly image?: pulumi.Input<string>;
  /** Name of the container. Default the resource name. */
  readonly containerName?: string;
  /** Seconds to wait for the log to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** openssl makes the key, curl waits. Default each on PATH. */
  readonly tools?: ServiceTools;
}

/** The lab's own transparency log: Rekor v2 (rekor-tiles) in a container on 127.0.0.1. See https://github.com/sigstore/rekor-tiles */
export class TransparencyLog extends pulumi.ComponentResource {
  /** The log's base URL, http://127.0.0.1:port. */
  readonly url: pulumi.Output<string>;
  /** The log's public key PEM, resolving once the log answers. */
  readonly publicKeyPem: pulumi.Output<string>;

  constructor(name: string, args: TransparencyLogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signing-lab:index:TransparencyLog", name, {}, opts);
    const log = new LabTransparencyLog(
      name,
      {
        port: args?.port,
        image: args?.image,
        containerName: args?.containerName,
        readyTimeoutSeconds: args?.readyTimeoutSeconds,
        tools: { openssl: args?.tools?.openssl, curl: args?.tools?.curl },
      },
      { parent: this },
    );
    this.url = pulumi.output(log.url);
    this.publicKeyPem = log.publicKeyPem;
    this.registerOutputs({ url: this.url, publicKeyPem: this.publicKeyPem });
  }
}
