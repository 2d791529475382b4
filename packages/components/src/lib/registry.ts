import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import {
  certificateAuthorityStep,
  HTPASSWD_PATH_IN_CONTAINER,
  htpasswdSeedStep,
  parseKeyAndCertificate,
  registryContainerEnv,
  renderStepScript,
  serverCertificateStep,
  TLS_CA_CERT_ENV,
  TLS_CA_KEY_ENV,
  TLS_CERT_PATH_IN_CONTAINER,
  TLS_KEY_PATH_IN_CONTAINER,
  waitForRegistryStep,
  writeCaFileStep,
} from "@signed-image-lab/tooling";
import { htpasswdLines } from "./htpasswd.js";
import { DEFAULT_REGISTRY_IMAGE, LAB_DEFAULTS } from "./lab-config.js";
import { afterStep, stepCommand, type RegistryCredentials } from "./step-command.js";

/** A registry user: the name in plain text, the password as a secret. */
export interface RegistryUser {
  readonly username: string;
  readonly password: pulumi.Input<string>;
}

/** How to reach a registry: what {@link Registry} exposes and what an existing registry provides. */
export interface RegistryAccess {
  /** `host:port`, resolving once the registry answers. */
  readonly endpoint: pulumi.Input<string>;
  /** Credentials for push and pull when the registry has auth. */
  readonly credentials?: pulumi.Input<RegistryCredentials>;
  /**
   * CA certificate file when the registry serves TLS with a private CA: every step trusts it
   * (cosign `--registry-cacert`, syft SYFT_REGISTRY_CA_CERT, skopeo `--cert-dir` of its
   * directory), with no insecure flag. Undefined: plain HTTP on loopback, or public roots.
   */
  readonly caFile?: string;
}

/** Arguments of {@link Registry}. */
export interface RegistryArgs {
  /** Host port, published on 127.0.0.1 and mapped to the registry's port 5000. Default 5001. */
  readonly port?: number;
  /** The registry image (distribution). Default {@link DEFAULT_REGISTRY_IMAGE}, pinned by digest. */
  readonly image?: pulumi.Input<string>;
  /** htpasswd users; auth is on when there is at least one. The first one pushes and signs. Default none. */
  readonly users?: readonly RegistryUser[];
  /** Name of the container. Default `<resource name>`. */
  readonly containerName?: string;
  /** Seconds to wait for `/v2/` to answer. Default 60. */
  readonly readyTimeoutSeconds?: number;
  /** The curl binary used by the readiness probe. Default `curl` on PATH. */
  readonly curl?: string;
  /** The node binary that draws the htpasswd salt seed. Default `node` on PATH. */
  readonly node?: string;
  /**
   * Serve TLS with a CA and server certificate (localhost, 127.0.0.1) made by the program: the
   * private keys are secret outputs, the CA certificate is written to `caFile`. Default off.
   */
  readonly tls?: { readonly caFile: string; readonly openssl?: string };
}

/** Resource type token of {@link Registry}. */
export const REGISTRY_TYPE = "signed-image-lab:signing:Registry";

/**
 * A local container registry (distribution, `registry:2`) with deletes enabled and optional
 * htpasswd auth. The htpasswd file is uploaded into the container through the Docker API, so
 * it is never written on the host. `endpoint` resolves only once `/v2/` answers 401 (auth) or
 * 200 (no auth). See https://distribution.github.io/distribution/about/deploying/.
 */
export class Registry extends pulumi.ComponentResource implements RegistryAccess {
  /** `localhost:<port>`, resolving once the registry serves. */
  readonly endpoint: pulumi.Output<string>;
  /** Whether htpasswd auth is on. */
  readonly authEnabled: pulumi.Output<boolean>;
  /** The first user's credentials (secret), or undefined without auth. */
  readonly credentials?: pulumi.Output<RegistryCredentials>;
  /** The CA certificate file clients trust (TLS only). */
  readonly caFile?: string;
  /** The CA certificate PEM (TLS only). */
  readonly caCertificatePem?: pulumi.Output<string>;

  constructor(name: string, args: RegistryArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(REGISTRY_TYPE, name, {}, opts);
    const port = args.port ?? LAB_DEFAULTS.registryPort;
    const users = args.users ?? [];
    const authEnabled = users.length > 0;

    const image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image ?? DEFAULT_REGISTRY_IMAGE, keepLocally: true },
      { parent: this },
    );
    const volume = new docker.Volume(`${name}-data`, {}, { parent: this });
    const seed = authEnabled
      ? stepCommand(
          `${name}-htpasswd-seed`,
          { script: renderStepScript(htpasswdSeedStep({ node: args.node })), triggers: [], secretStdout: true },
          { parent: this },
        ).stdout
      : pulumi.output("");
    const htpasswd = pulumi.secret(
      pulumi.all([seed, ...users.map((u) => pulumi.output(u.password))]).apply(([seedHex, ...passwords]) =>
        htpasswdLines(
          seedHex ?? "",
          users.map((u, i) => ({ username: u.username, password: passwords[i] ?? "" })),
        ),
      ),
    );
    const tls = args.tls ? this.makeCertificates(name, args.tls) : undefined;
    const container = new docker.Container(
      name,
      {
        name: args.containerName ?? name,
        image: image.imageId,
        restart: "always",
        ports: [{ internal: 5000, external: port, ip: "127.0.0.1" }],
        envs: Object.entries(registryContainerEnv(authEnabled, tls !== undefined)).map(([k, v]) => `${k}=${v}`),
        volumes: [{ volumeName: volume.name, containerPath: "/var/lib/registry" }],
        uploads: [
          ...(authEnabled ? [{ file: HTPASSWD_PATH_IN_CONTAINER, content: htpasswd }] : []),
          ...(tls
            ? [
                { file: TLS_CERT_PATH_IN_CONTAINER, content: tls.server.apply((s) => s.certificatePem) },
                { file: TLS_KEY_PATH_IN_CONTAINER, content: pulumi.secret(tls.server.apply((s) => s.privateKeyPem)) },
              ]
            : []),
        ],
      },
      { parent: this, additionalSecretOutputs: ["uploads"], deleteBeforeReplace: true, dependsOn: tls ? [tls.caFileWritten] : [] },
    );
    const endpoint = `localhost:${port}`;
    const ready = stepCommand(
      `${name}-ready`,
      {
        script: renderStepScript(
          waitForRegistryStep({
            endpoint,
            authEnabled,
            timeoutSeconds: args.readyTimeoutSeconds,
            curl: args.curl,
            ...(args.tls ? { scheme: "https" as const, caFile: args.tls.caFile } : {}),
          }),
        ),
        triggers: [container.id],
      },
      { parent: this, dependsOn: [container] },
    );

    this.endpoint = afterStep(ready, endpoint);
    this.authEnabled = pulumi.output(authEnabled);
    const first = users[0];
    this.credentials = first ? pulumi.secret(pulumi.output({ username: first.username, password: first.password })) : undefined;
    this.caFile = args.tls?.caFile;
    this.caCertificatePem = tls?.ca.apply((c) => c.certificatePem);
    this.registerOutputs({
      endpoint: this.endpoint,
      authEnabled: this.authEnabled,
      credentials: this.credentials,
      caFile: this.caFile,
      caCertificatePem: this.caCertificatePem,
    });
  }

  /** The CA, the server certificate signed by it, and the CA file on disk; keys stay secret outputs. */
  private makeCertificates(name: string, tls: NonNullable<RegistryArgs["tls"]>) {
    const caStep = stepCommand(
      `${name}-ca`,
      { script: renderStepScript(certificateAuthorityStep({ openssl: tls.openssl })), triggers: [], secretStdout: true },
      { parent: this },
    );
    const ca = pulumi.secret(caStep.stdout.apply(parseKeyAndCertificate));
    const caEnvironment = pulumi.secret(
      ca.apply((c): Record<string, string> => ({ [TLS_CA_KEY_ENV]: c.privateKeyPem, [TLS_CA_CERT_ENV]: c.certificatePem })),
    );
    const serverStep = stepCommand(
      `${name}-server-certificate`,
      {
        script: renderStepScript(serverCertificateStep({ openssl: tls.openssl })),
        environment: caEnvironment,
        triggers: [],
        secretStdout: true,
      },
      { parent: this },
    );
    const caFileWritten = stepCommand(
      `${name}-ca-file`,
      {
        script: renderStepScript(writeCaFileStep({ file: tls.caFile })),
        environment: pulumi.unsecret(ca.apply((c): Record<string, string> => ({ [TLS_CA_CERT_ENV]: c.certificatePem }))),
        triggers: [],
        deleteScript: renderStepScript({ invocations: [{ argv: ["rm", "-f", tls.caFile] }] }),
      },
      { parent: this },
    );
    return { ca, server: pulumi.secret(serverStep.stdout.apply(parseKeyAndCertificate)), caFileWritten };
  }
}
