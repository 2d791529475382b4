import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  logKeyStep,
  parseLogKey,
  REKOR_CONTAINER_PORT,
  REKOR_KEY_PATH_IN_CONTAINER,
  REKOR_STORAGE_IN_CONTAINER,
  rekorServerArgs,
  rekorUrl,
  renderStepScript,
  waitForRekorServerStep,
} from "@signed-image-lab/tooling";
import { afterStep, stepCommand } from "./step-command.js";
import { LAB_DEFAULTS } from "./lab-config.js";

/** Arguments of {@link TransparencyLog}. */
export interface TransparencyLogArgs {
  /** Host port, published on 127.0.0.1 only and mapped to the log's 3000. Default 3031. */
  readonly port?: number;
  /**
   * The Rekor v2 image (`packages/tooling/versions.json` `rekorTiles.image`, built by
   * `tools/bootstrap/local-images.sh`). Default that image.
   */
  readonly image?: pulumi.Input<string>;
  /** Name of the container. Default `<resource name>`. */
  readonly containerName?: string;
  /** Seconds to wait for the log to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** Tool binaries: openssl makes the key, curl waits. Default each on PATH. */
  readonly tools?: { readonly openssl?: string; readonly curl?: string };
}

/** Resource type token of {@link TransparencyLog}. */
export const TRANSPARENCY_LOG_TYPE = "signed-image-lab:signing:TransparencyLog";

/**
 * The lab's own transparency log: Rekor v2 (Sigstore's rekor-tiles, tiles and checkpoints on
 * a volume) in a container on loopback. The program makes its Ed25519 checkpoint key with
 * openssl (a secret output, uploaded into the container with mode 0600, never written on the
 * host); the public key goes into the lab's trusted root. `destroy` removes the container and
 * its volume, and with them the log.
 * See https://github.com/sigstore/rekor-tiles.
 */
export class TransparencyLog extends pulumi.ComponentResource {
  /** The log's base URL on loopback, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The log's public key PEM, resolving once the log answers. */
  readonly publicKeyPem: pulumi.Output<string>;

  constructor(name: string, args: TransparencyLogArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(TRANSPARENCY_LOG_TYPE, name, {}, opts);
    const tools = args.tools ?? {};
    this.url = rekorUrl(args.port ?? LAB_DEFAULTS.transparencyLog.port);

    const keyStep = stepCommand(
      `${name}-log-key`,
      { script: renderStepScript(logKeyStep({ openssl: tools.openssl })), triggers: [], secretStdout: true },
      { parent: this },
    );
    const key = pulumi.secret(keyStep.stdout.apply(parseLogKey));
    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image ?? LAB_DEFAULTS.transparencyLog.image, keepLocally: true },
      { parent: this },
    );
    const volume = new docker.Volume(`${name}-data`, {}, { parent: this });
    const container = new docker.Container(
      name,
      {
        name: args.containerName ?? name,
        image: image.imageId,
        restart: "always",
        command: rekorServerArgs(),
        ports: [{ internal: REKOR_CONTAINER_PORT, external: args.port ?? LAB_DEFAULTS.transparencyLog.port, ip: "127.0.0.1" }],
        volumes: [{ volumeName: volume.name, containerPath: REKOR_STORAGE_IN_CONTAINER }],
        uploads: [{ file: REKOR_KEY_PATH_IN_CONTAINER, content: pulumi.secret(key.apply((k) => k.privateKeyPem)), permissions: "0600" }],
      },
      { parent: this, additionalSecretOutputs: ["uploads"], deleteBeforeReplace: true },
    );
    const ready = stepCommand(
      `${name}-ready`,
      {
        script: renderStepScript(waitForRekorServerStep({ url: this.url, timeoutSeconds: args.readyTimeoutSeconds, curl: tools.curl })),
        triggers: [container.id],
      },
      { parent: this, dependsOn: [container] },
    );
    this.publicKeyPem = afterStep(ready, pulumi.unsecret(key.apply((k) => k.publicKeyPem)));
    this.registerOutputs({ url: this.url, publicKeyPem: this.publicKeyPem });
  }
}
