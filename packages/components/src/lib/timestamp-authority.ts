import * as docker from "@pulumi/docker";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  parseTimestampAuthorityKey,
  PublicEnv,
  RekorEnv,
  renderStepScript,
  timestampAuthorityKeyStep,
  TimestampEnv,
  timestampServerArgs,
  timestampUrl,
  trustedRootStep,
  TSA_CHAIN_PATH_IN_CONTAINER,
  TSA_CONTAINER_PORT,
  TSA_KEY_PATH_IN_CONTAINER,
  waitForTimestampServerStep,
} from "@signed-image-lab/tooling";
import { afterStep, stepCommand } from "./step-command.js";
import { LAB_DEFAULTS } from "./lab-config.js";

/** What signing and verifying with signed timestamps need: where the TSA answers, and the root that trusts it. */
export interface TimestampTrust {
  /** The TSA's RFC 3161 endpoint, `http://127.0.0.1:<port>/api/v1/timestamp`. */
  readonly tsaUrl: string;
  /** The Sigstore trusted root JSON naming the TSA's certificate chain (and the log's key). Public. */
  readonly trustedRoot: pulumi.Input<string>;
  /** The lab's Rekor v2 log (`timestamps+log`): signatures are logged and verification requires the entry. Default none. */
  readonly logUrl?: string;
}

/** Arguments of {@link TimestampAuthority}. */
export interface TimestampAuthorityArgs {
  /** Host port, published on 127.0.0.1 only and mapped to the server's 3000. Default 3030. */
  readonly port?: number;
  /**
   * The timestamp-server image (`packages/tooling/versions.json` `timestampAuthority.image`, built by
   * `tools/bootstrap/local-images.sh`). Default that image.
   */
  readonly image?: pulumi.Input<string>;
  /** Name of the container. Default `<resource name>`. */
  readonly containerName?: string;
  /** Seconds to wait for the server to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** Tool binaries: openssl makes the key and chain, cosign the trusted root, curl waits. Default each on PATH. */
  readonly tools?: { readonly openssl?: string; readonly cosign?: string; readonly curl?: string };
  /**
   * The lab's transparency log (`timestamps+log`): its key goes into the trusted root, and
   * every signature is logged there. Default none.
   */
  readonly log?: { readonly url: string; readonly publicKeyPem: pulumi.Input<string> };
}

/** Resource type token of {@link TimestampAuthority}. */
export const TIMESTAMP_AUTHORITY_TYPE = "signed-image-lab:signing:TimestampAuthority";

/**
 * The lab's own RFC 3161 timestamp authority (Sigstore's timestamp-authority with its file
 * signer) in a container on loopback. The program makes its signing key and certificate chain
 * (openssl; the key is a secret output, uploaded into the container with mode 0600, never
 * written on the host) and the Sigstore trusted root that names it (`cosign trusted-root
 * create`), which every verification of the lab then uses with signed timestamps required.
 * `destroy` removes the container; the trusted root stays valid for what was signed.
 * See https://github.com/sigstore/timestamp-authority and
 * https://docs.sigstore.dev/cosign/verifying/timestamps/.
 */
export class TimestampAuthority extends pulumi.ComponentResource implements TimestampTrust {
  /** The RFC 3161 endpoint on loopback. */
  readonly tsaUrl: string;
  /** The certificate chain PEM (timestamping certificate, then its root). */
  readonly certificateChainPem: pulumi.Output<string>;
  /** The trusted root JSON, resolving once the server answers. Export it: stock cosign verifies with it. */
  readonly trustedRoot: pulumi.Output<string>;
  /** The log's URL when there is one. */
  readonly logUrl?: string;

  constructor(name: string, args: TimestampAuthorityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(TIMESTAMP_AUTHORITY_TYPE, name, {}, opts);
    const tools = args.tools ?? {};
    this.tsaUrl = timestampUrl(args.port ?? LAB_DEFAULTS.timestampAuthority.port);

    const keyStep = stepCommand(
      `${name}-certificates`,
      { script: renderStepScript(timestampAuthorityKeyStep({ openssl: tools.openssl })), triggers: [], secretStdout: true },
      { parent: this },
    );
    const key = pulumi.secret(keyStep.stdout.apply(parseTimestampAuthorityKey));
    this.certificateChainPem = pulumi.unsecret(key.apply((k) => k.certificateChainPem));

    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image ?? LAB_DEFAULTS.timestampAuthority.image, keepLocally: true },
      { parent: this },
    );
    const container = new docker.Container(
      name,
      {
        name: args.containerName ?? name,
        image: image.imageId,
        restart: "always",
        command: timestampServerArgs(),
        ports: [{ internal: TSA_CONTAINER_PORT, external: args.port ?? LAB_DEFAULTS.timestampAuthority.port, ip: "127.0.0.1" }],
        uploads: [
          { file: TSA_KEY_PATH_IN_CONTAINER, content: pulumi.secret(key.apply((k) => k.privateKeyPem)), permissions: "0600" },
          { file: TSA_CHAIN_PATH_IN_CONTAINER, content: this.certificateChainPem },
        ],
      },
      { parent: this, additionalSecretOutputs: ["uploads"], deleteBeforeReplace: true },
    );
    const ready = stepCommand(
      `${name}-ready`,
      {
        script: renderStepScript(
          waitForTimestampServerStep({ url: this.tsaUrl, timeoutSeconds: args.readyTimeoutSeconds, curl: tools.curl }),
        ),
        triggers: [container.id],
      },
      { parent: this, dependsOn: [container] },
    );
    const root = stepCommand(
      `${name}-trusted-root`,
      {
        script: renderStepScript(
          trustedRootStep({ tsaUrl: this.tsaUrl, log: args.log ? { url: args.log.url } : undefined, cosign: tools.cosign }),
        ),
        environment: {
          [TimestampEnv.certificateChain]: this.certificateChainPem,
          ...(args.log ? { [RekorEnv.publicKey]: args.log.publicKeyPem } : {}),
        },
        triggers: [this.certificateChainPem, ...(args.log ? [args.log.publicKeyPem] : [])],
      },
      { parent: this },
    );
    this.trustedRoot = afterStep(
      ready,
      root.stdout.apply((out) => out.trim()),
    );
    this.logUrl = args.log?.url;
    this.registerOutputs({
      tsaUrl: this.tsaUrl,
      certificateChainPem: this.certificateChainPem,
      trustedRoot: this.trustedRoot,
      logUrl: this.logUrl,
    });
  }
}

/** The step environment that hands the trusted root to a signing or verifying step; nothing without timestamps. */
export function timestampEnvironment(trust?: TimestampTrust): pulumi.Output<Record<string, string>> {
  if (!trust) return pulumi.output<Record<string, string>>({});
  return pulumi.output(trust.trustedRoot).apply((root): Record<string, string> => ({ [PublicEnv.trustedRoot]: root }));
}

/**
 * The triggers that make a step run again when the trusted root changes (a new TSA key: what
 * was timestamped before no longer verifies); none without timestamps, so the triggers of a lab
 * with `transparency: off` stay as they were.
 */
export function timestampTriggers(trust?: TimestampTrust): pulumi.Output<string>[] {
  if (!trust) return [];
  const mode = trust.logUrl ? "timestamps+log" : "timestamps";
  return [pulumi.output(trust.trustedRoot).apply((root) => `${mode}:${createHash("sha256").update(root).digest("hex")}`)];
}

/** What the signing steps hand cosign: the TSA, and the log when there is one. */
export function timestampSigning(trust?: TimestampTrust): { tsaUrl: string; logUrl?: string } | undefined {
  return trust ? { tsaUrl: trust.tsaUrl, ...(trust.logUrl ? { logUrl: trust.logUrl } : {}) } : undefined;
}
