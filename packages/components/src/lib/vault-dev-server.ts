import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  createTransitKeyStep,
  enableTransitStep,
  parseTransitKey,
  renderStepScript,
  transitKeyRef,
  VaultEnv,
  waitForVaultStep,
} from "@signed-image-lab/tooling";
import { afterStep, stepCommand } from "./step-command.js";
import { LAB_DEFAULTS } from "./lab-config.js";

/** Arguments of {@link VaultDevServer}. */
export interface VaultDevServerArgs {
  /** The server image: `hashicorp/vault:<tag>` or `openbao/openbao:<tag>`. Default `LAB_DEFAULTS.vaultDevServer.image` (`packages/tooling/versions.json` `images.vaultDevServer`). */
  readonly image?: pulumi.Input<string>;
  /** Host port, published on 127.0.0.1 only. Default 8200. */
  readonly port?: number;
  /** The dev server's root token (secret). */
  readonly rootToken: pulumi.Input<string>;
  /** Name of the transit signing key. Default `lab-signer`. */
  readonly keyName?: string;
  /** The `bao` (or `vault`) CLI on the host that sets up transit. Default `bao` on PATH. */
  readonly bao?: string;
}

/** Resource type token of {@link VaultDevServer}. */
export const VAULT_DEV_SERVER_TYPE = "signed-image-lab:signing:VaultDevServer";

/**
 * A Vault-API server in dev mode (HashiCorp Vault or OpenBao: in memory, unsealed, a known
 * root token — a lab, never production) with the transit engine enabled and an ECDSA P-256
 * signing key that cannot be exported: the seed's "install and use a vault" challenge. cosign
 * signs through it with `--key hashivault://<keyName>`.
 * See https://openbao.org/docs/secrets/transit/ and https://docs.sigstore.dev/cosign/key_management/overview/.
 */
export class VaultDevServer extends pulumi.ComponentResource {
  /** `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** `hashivault://<keyName>`. */
  readonly keyRef: string;
  /** VAULT_ADDR and VAULT_TOKEN (secret), resolving once the key exists. */
  readonly environment: pulumi.Output<Record<string, string>>;
  /** The transit key's public key PEM. */
  readonly publicKeyPem: pulumi.Output<string>;

  constructor(name: string, args: VaultDevServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(VAULT_DEV_SERVER_TYPE, name, {}, opts);
    const port = args.port ?? LAB_DEFAULTS.vaultDevServer.port;
    const keyName = args.keyName ?? LAB_DEFAULTS.vaultDevServer.keyName;
    this.address = `http://127.0.0.1:${port}`;
    this.keyRef = transitKeyRef(keyName);
    const token = pulumi.secret(pulumi.output(args.rootToken));

    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image ?? LAB_DEFAULTS.vaultDevServer.image, keepLocally: true },
      { parent: this },
    );
    const container = new docker.Container(
      name,
      {
        name,
        image: image.imageId,
        ports: [{ internal: 8200, external: port, ip: "127.0.0.1" }],
        // Both images' entrypoints start `server -dev`; each reads its own prefix.
        envs: pulumi.secret(
          token.apply((t) => [
            "VAULT_DEV_LISTEN_ADDRESS=0.0.0.0:8200",
            "BAO_DEV_LISTEN_ADDRESS=0.0.0.0:8200",
            `VAULT_DEV_ROOT_TOKEN_ID=${t}`,
            `${VaultEnv.devRootToken}=${t}`,
          ]),
        ),
        capabilities: { adds: ["IPC_LOCK"] },
      },
      { parent: this, deleteBeforeReplace: true },
    );
    const environment = pulumi.secret(
      token.apply((t): Record<string, string> => ({ [VaultEnv.address]: this.address, [VaultEnv.token]: t })),
    );
    const ready = stepCommand(
      `${name}-ready`,
      { script: renderStepScript(waitForVaultStep({ bao: args.bao })), environment, triggers: [container.id] },
      { parent: this, dependsOn: [container] },
    );
    const transit = stepCommand(
      `${name}-transit`,
      { script: renderStepScript(enableTransitStep({ bao: args.bao })), environment, triggers: [container.id] },
      { parent: this, dependsOn: [ready] },
    );
    const key = stepCommand(
      `${name}-key`,
      { script: renderStepScript(createTransitKeyStep({ name: keyName, bao: args.bao })), environment, triggers: [container.id] },
      { parent: this, dependsOn: [transit] },
    );
    this.publicKeyPem = key.stdout.apply((out) => parseTransitKey(out).publicKeyPem);
    this.environment = afterStep(key, environment);
    this.registerOutputs({ address: this.address, keyRef: this.keyRef, environment: this.environment, publicKeyPem: this.publicKeyPem });
  }
}
