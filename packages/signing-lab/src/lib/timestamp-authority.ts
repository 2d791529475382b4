import * as pulumi from "@pulumi/pulumi";
import { TimestampAuthority as LabTimestampAuthority } from "@signed-image-lab/components";
import type { ServiceTools, TransparencyLogTrust } from "./schema-types.js";

/** Arguments of TimestampAuthority. */
export interface TimestampAuthorityArgs {
  /** Host port, published on 127.0.0.1 only. Default 3030. */
  readonly port?: number;
  /** The timestamp-server image. Default the pinned signed-image-lab/timestamp-authority image. */
  readonly image?: pulumi.Input<string>;
  /** Name of the container. Default the resource name. */
  readonly containerName?: string;
  /** Seconds to wait for the server to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** openssl makes the key and chain, cosign the trusted root, curl waits. Default each on PATH. */
  readonly tools?: ServiceTools;
  /** The transparency log the trusted root names and every signature is logged in. Default none. */
  readonly log?: TransparencyLogTrust;
}

/**
 * The lab's own RFC 3161 timestamp authority in a container on 127.0.0.1, with the Sigstore trusted root
 * that names it (cosign trusted-root create). See https://docs.sigstore.dev/cosign/verifying/timestamps/
 */
export class TimestampAuthority extends pulumi.ComponentResource {
  /** The RFC 3161 endpoint, http://127.0.0.1:port/api/v1/timestamp. */
  readonly tsaUrl: pulumi.Output<string>;
  /** The certificate chain PEM (timestamping certificate, then its root). */
  readonly certificateChainPem: pulumi.Output<string>;
  /** The trusted root JSON, resolving once the server answers: cosign verify --trusted-root with it. */
  readonly trustedRoot: pulumi.Output<string>;
  /** The log's URL (with a log). */
  readonly logUrl?: pulumi.Output<string>;

  constructor(name: string, args: TimestampAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("signing-lab:index:TimestampAuthority", name, {}, opts);
    const tsa = new LabTimestampAuthority(
      name,
      {
        port: args?.port,
        image: args?.image,
        containerName: args?.containerName,
        readyTimeoutSeconds: args?.readyTimeoutSeconds,
        tools: args?.tools,
        log: args?.log,
      },
      { parent: this },
    );
    this.tsaUrl = pulumi.output(tsa.tsaUrl);
    this.certificateChainPem = tsa.certificateChainPem;
    this.trustedRoot = tsa.trustedRoot;
    this.logUrl = tsa.logUrl === undefined ? undefined : pulumi.output(tsa.logUrl);
    this.registerOutputs({
      tsaUrl: this.tsaUrl,
      certificateChainPem: this.certificateChainPem,
      trustedRoot: this.trustedRoot,
      logUrl: this.logUrl,
    });
  }
}
