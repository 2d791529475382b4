import * as pulumi from "@pulumi/pulumi";
import {
  labImages,
  policyEnabled,
  validateLabSettings,
  type LabConfig,
  type LabImageConfig,
  type LabSettings,
} from "@signed-image-lab/tooling";
import { resolve } from "node:path";
import type { DriftRecord } from "./drift.js";
import type { InspectionSummary } from "./image-inspection.js";
import { LabConfigError } from "./lab-config.js";
import { checkLabConfig } from "./lab-config-checks.js";
import { readCheckpointOutputs } from "./previous-outputs.js";
import { stacklessRunError } from "./stack-config.js";
import { Registry, type RegistryAccess } from "./registry.js";
import { SigningKey, type SigningKeySource } from "./signing-key.js";
import { SigningPipeline, type PipelineImageSource } from "./signing-pipeline.js";
import { TimestampAuthority } from "./timestamp-authority.js";
import { requireLabTools } from "./tool-check.js";
import { TransparencyLog } from "./transparency-log.js";
import { VaultDevServer } from "./vault-dev-server.js";
import { VerifiedContainer } from "./verified-container.js";

/** Resource type token of {@link SigningLab}. */
export const SIGNING_LAB_TYPE = "signed-image-lab:lab:SigningLab";

/** Settings keys whose values may be Pulumi secrets (`config.requireSecret(…)`) rather than text. */
export const SECRET_INPUT_SETTINGS = ["cosignPassword", "vaultToken"] as const;

/**
 * {@link LabSettings} as a program passes them: `cosignPassword` and `vaultToken` may also be
 * outputs, such as `config.requireSecret("cosignPassword")`.
 */
export type SigningLabSettings = Omit<LabSettings, (typeof SECRET_INPUT_SETTINGS)[number]> & {
  readonly [K in (typeof SECRET_INPUT_SETTINGS)[number]]?: pulumi.Input<string>;
};

/** Arguments of {@link SigningLab}. */
export interface SigningLabArgs {
  /**
   * The lab's settings: the keys of the lab's stack config (docs/configuration.md), typed, each
   * optional with its documented default: `registryPort` 5001, one image `studentbook` built
   * from `packages/studentbook`, a generated cosign key (which needs `cosignPassword`), SBOM
   * `spdx-json`, provenance and the policy on, the app on port 8090. Validated when the lab is
   * constructed, before any resource is registered; every problem is named as
   * `SigningLabArgs.settings:<key path>`. Secret values (`cosignPassword`, `vaultToken`,
   * `cosignPrivateKey`, registry passwords) are wrapped with `pulumi.secret` before they leave it.
   */
  readonly settings?: SigningLabSettings;
  /**
   * How an error names the settings: `<settingsName>:<key path>`. Default `SigningLabArgs.settings`;
   * a program that reads them from stack config passes its config namespace, so errors name the
   * config key (`my-project:image.context`).
   */
  readonly settingsName?: string;
  /**
   * The folder relative paths in settings mean (`image.context`, `workDir`, `registryCaFile`).
   * Default the folder of the program's `Pulumi.yaml` (`pulumi.runtime.getRootDirectory()`; the working directory under mocks).
   */
  readonly projectRoot?: string;
  /**
   * The prefix of every Docker container the lab runs (`<prefix>-registry`, `<prefix>-<image>-app`)
   * and the folder under `workDir` that holds its SBOM files. Default the stack name.
   */
  readonly namePrefix?: string;
  /**
   * What the previous update exported as {@link SigningLab.drift}, for the drift check. Default:
   * read from this stack's last checkpoint (a file backend) or a StackReference to the stack
   * itself; nothing with `driftCheck: false`.
   */
  readonly previousDrift?: pulumi.Input<Record<string, DriftRecord> | undefined>;
  /**
   * Check, before anything is created, that the tools the lab runs on this machine are there at
   * their pinned versions (docker with a daemon, cosign, syft, skopeo, curl, node, and oras or
   * bao when the settings need them), failing with each missing tool and how to obtain it.
   * Default true.
   */
  readonly checkTools?: boolean;
  /**
   * For stacks made by the lab program before it was a component (0.1), whose resources sat at
   * the stack root: alias each direct child to its root URN, so the upgrade creates and replaces
   * nothing. Default false.
   */
  readonly aliasChildrenToRoot?: boolean;
}

/** What the lab reports of one image: its pipeline's refs, with the SBOM's package count. */
export type SigningLabImage = Pick<
  SigningPipeline,
  | "digestRef"
  | "taggedRef"
  | "verifiedRef"
  | "signatureRef"
  | "attestedRef"
  | "sbomFile"
  | "sbomSha256"
  | "inspection"
  | "provenanceRef"
  | "admittedRef"
  | "promotedRef"
  | "ociArchive"
> & {
  /** How many packages the SBOM lists. */
  readonly sbomPackageCount: pulumi.Output<number>;
};

/** What an output secret stands for while the settings are validated. */
const OUTPUT_PLACEHOLDER = "(a Pulumi output)";

/**
 * The settings validated, with their build sources there; a problem is a RunError naming every
 * key. A secret given as an output is validated as present (its text is not known yet).
 */
function checkedSettings(settings: SigningLabSettings, at: string, projectRoot: string): LabConfig {
  const known: Record<string, unknown> = { ...settings };
  for (const key of SECRET_INPUT_SETTINGS) if (pulumi.Output.isInstance(settings[key])) known[key] = OUTPUT_PLACEHOLDER;
  try {
    const config = validateLabSettings(known as LabSettings, at);
    // The paths the settings name on this machine: build contexts, Dockerfiles, CA files, tools.
    const problems = checkLabConfig(config, projectRoot, at);
    if (problems.length > 0) throw new LabConfigError(problems);
    return config;
  } catch (error) {
    if (error instanceof LabConfigError) throw stacklessRunError(error.message);
    throw error;
  }
}

/** A secret setting as a secret input: the output the program passed, else its text. */
function secretSetting(settings: SigningLabSettings, key: (typeof SECRET_INPUT_SETTINGS)[number]): pulumi.Output<string> | undefined {
  const value = settings[key];
  return value === undefined ? undefined : pulumi.secret(value);
}

/** The name of the stack reference through which an update reads its own stack's last outputs. */
export function selfStackName(): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * What the previous update of this stack exported as `drift`; nothing on the first update. On
 * a file backend it is read from the checkpoint file: a StackReference to the stack itself
 * raced the engine writing that file. Elsewhere (PostgreSQL, Pulumi Cloud) a StackReference reads it.
 */
export function readPreviousDrift(
  backendUrl = process.env.PULUMI_BACKEND_URL,
  opts?: pulumi.CustomResourceOptions,
): pulumi.Input<Record<string, DriftRecord> | undefined> {
  if (backendUrl?.startsWith("file://")) {
    return readCheckpointOutputs(backendUrl, pulumi.getProject(), pulumi.getStack())?.drift as Record<string, DriftRecord> | undefined;
  }
  const self = new pulumi.StackReference("previous-update", { name: selfStackName() }, opts);
  return self.getOutput("drift") as pulumi.Output<Record<string, DriftRecord> | undefined>;
}

/** Where the signing key comes from, by settings. */
function keySource(config: LabConfig, vault: VaultDevServer | undefined, vaultToken: pulumi.Input<string> | undefined): SigningKeySource {
  if (vault) return { kind: "kms", uri: vault.keyRef, environment: vault.environment };
  switch (config.signingKey.source) {
    case "kms":
      return {
        kind: "kms",
        uri: config.signingKey.kmsUri ?? "",
        // cosign reads Vault's (and OpenBao's) address and token from these variables.
        environment: config.vaultAddress ? { VAULT_ADDR: config.vaultAddress, VAULT_TOKEN: pulumi.secret(vaultToken ?? "") } : undefined,
      };
    case "config":
      return { kind: "import", privateKeyPem: pulumi.secret(config.cosignPrivateKey ?? "") };
    case "generate":
      return { kind: "generate" };
  }
}

/**
 * The whole image-signing lab as one component: a registry on loopback (or an existing one,
 * optionally with htpasswd users and TLS), a cosign key (generated, imported, KMS or the lab's
 * own OpenBao transit key), optionally the lab's own timestamp authority and Rekor v2 log, one
 * {@link SigningPipeline} per image (build, push, sign by digest, verify, SBOM attached and
 * attested, provenance, the attestation policy, promotion), drift healing of what the registry
 * lost, and the app run from its admitted digest ({@link VerifiedContainer}).
 *
 * Children keep the lab's fixed names (`registry`, `cosign`, `tsa`, `rekor`, the image names),
 * so a stack holds one SigningLab. The smaller components work on their own too: a
 * SigningPipeline signs an image a team already pushes to its own registry.
 *
 * @see https://docs.sigstore.dev/cosign/signing/signing_with_containers/
 */
export class SigningLab extends pulumi.ComponentResource {
  /** The registry's `host:port`. */
  readonly registryEndpoint: pulumi.Output<string>;
  /** The CA the registry's TLS certificate chains to (TLS only). */
  readonly registryCaFile?: string;
  /** The signing key's public key (PEM). */
  readonly publicKey: pulumi.Output<string>;
  /** The key every verify step trusts: the pinned `verifyPublicKey`, else the signing key's. */
  readonly verifyPublicKey: pulumi.Output<string>;
  /** The sha256 of the public key (DER). */
  readonly publicKeyFingerprint: pulumi.Output<string>;
  /** The lab's OpenBao address (with `vaultDevServer`). */
  readonly vaultAddress?: string;
  /** Per image, keyed by its name. */
  readonly images: Readonly<Record<string, SigningLabImage>>;
  /** Per image: what the next update's drift check starts from (export it as the stack output `drift`). */
  readonly drift?: Readonly<Record<string, pulumi.Output<DriftRecord>>>;
  /** The registry promotion copies to (without promotion: undefined). */
  readonly promotionRegistryEndpoint?: pulumi.Output<string>;
  /** The first image once it passed the policy (the verified ref without a policy): what the app runs. */
  readonly admittedRef: pulumi.Output<string>;
  /** The first image in the promotion's registry, verified there. */
  readonly promotedRef?: pulumi.Output<string>;
  /** The first image's verified digest as an OCI archive (the seed's step 1.4): file and sha256. */
  readonly ociArchive: SigningLabImage["ociArchive"];
  /** The first image: pushed, signed, verified and attested refs, all pinned by digest. */
  readonly imageDigestRef: pulumi.Output<string>;
  readonly signedRef: pulumi.Output<string>;
  readonly verifiedRef: pulumi.Output<string>;
  readonly attestedRef?: pulumi.Output<string>;
  readonly sbomSha256: pulumi.Output<string>;
  readonly sbomPackageCount: pulumi.Output<number>;
  readonly imageInspection: pulumi.Output<InspectionSummary>;
  /** Where the app answers, and the digest ref it runs (with `runApp`). */
  readonly appUrl?: pulumi.Output<string>;
  readonly appRef?: pulumi.Output<string>;
  /** The Sigstore trusted root (the lab TSA's chain and the log): `cosign verify --trusted-root` with it. */
  readonly trustedRoot?: pulumi.Output<string>;
  readonly timestampAuthorityUrl?: string;
  readonly transparencyLogUrl?: string;

  constructor(name: string, args: SigningLabArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Everything is checked before the component or any child is registered: nothing half-made.
    const projectRoot = args.projectRoot ?? (pulumi.runtime.getRootDirectory() || process.cwd());
    const fromRoot = (path: string) => resolve(projectRoot, path);
    const config = checkedSettings(args.settings ?? {}, args.settingsName ?? "SigningLabArgs.settings", projectRoot);
    const images = labImages(config);
    if (args.checkTools ?? true) requireLabTools(config);
    super(SIGNING_LAB_TYPE, name, {}, opts);

    const settings = args.settings ?? {};
    const vaultToken = secretSetting(settings, "vaultToken");
    const prefix = args.namePrefix ?? pulumi.getStack();
    const child: pulumi.ComponentResourceOptions = {
      parent: this,
      aliases: args.aliasChildrenToRoot ? [{ parent: pulumi.rootStackResource }] : undefined,
    };
    const workDir = resolve(projectRoot, config.workDir, prefix);
    const users = config.registryAuth.enabled
      ? config.registryAuth.users.map((u) => ({ username: u.username, password: pulumi.secret(u.password) }))
      : [];

    const registry: RegistryAccess = config.existingRegistry
      ? {
          endpoint: config.existingRegistry,
          credentials: users[0] ? pulumi.secret(pulumi.output(users[0])) : undefined,
          caFile: config.registryCaFile ? fromRoot(config.registryCaFile) : undefined,
        }
      : new Registry(
          "registry",
          {
            port: config.registryPort,
            image: config.registryImage,
            users,
            curl: config.tools.curl,
            node: config.tools.node,
            containerName: `${prefix}-registry`,
            tls: config.registryTls ? { caFile: resolve(workDir, "registry-ca", "ca.crt") } : undefined,
          },
          child,
        );

    // The seed's "install and use a vault" challenge: the lab's own dev server holds the key.
    const vault = config.vaultDevServer
      ? new VaultDevServer(
          "vault",
          {
            image: config.vaultDevServer.image,
            port: config.vaultDevServer.port,
            keyName: config.vaultDevServer.keyName,
            rootToken: pulumi.secret(vaultToken ?? ""),
            bao: config.tools.bao,
          },
          child,
        )
      : undefined;

    const key = new SigningKey(
      "cosign",
      {
        source: keySource(config, vault, vaultToken),
        password: secretSetting(settings, "cosignPassword"),
        cosign: config.tools.cosign,
      },
      child,
    );

    // transparency: timestamps — the lab's own timestamp authority; every signature carries a
    // signed timestamp from it and every verification requires one from its trusted root.
    // timestamps+log — also the lab's own Rekor v2: every signature is logged, every
    // verification requires the entry.
    const log =
      config.transparency === "timestamps+log"
        ? new TransparencyLog(
            "rekor",
            {
              port: config.transparencyLog.port,
              image: config.transparencyLog.image,
              containerName: `${prefix}-rekor`,
              tools: { curl: config.tools.curl },
            },
            child,
          )
        : undefined;
    const tsa =
      config.transparency === "off"
        ? undefined
        : new TimestampAuthority(
            "tsa",
            {
              port: config.timestampAuthority.port,
              image: config.timestampAuthority.image,
              containerName: `${prefix}-tsa`,
              tools: { cosign: config.tools.cosign, curl: config.tools.curl },
              log: log ? { url: log.url, publicKeyPem: log.publicKeyPem } : undefined,
            },
            child,
          );

    const imageSource = (image: LabImageConfig): PipelineImageSource =>
      config.existingImageRef
        ? { kind: "existing", ref: config.existingImageRef }
        : {
            kind: "build",
            repository: image.name,
            tag: image.tag,
            context: fromRoot(image.context),
            dockerfile: image.dockerfile,
            buildArgs: { BASE_IMAGE: config.baseImage },
            baseImage: config.baseImage,
          };

    // Promotion: a second lab registry on loopback (production), or an existing one; the lab's users.
    const promotionRegistry: RegistryAccess | undefined = !config.promotion
      ? undefined
      : config.promotion.existingRegistry
        ? {
            endpoint: config.promotion.existingRegistry,
            credentials: users[0] ? pulumi.secret(pulumi.output(users[0])) : undefined,
            caFile: config.promotion.registryCaFile ? fromRoot(config.promotion.registryCaFile) : undefined,
          }
        : new Registry(
            "promotion-registry",
            {
              port: config.promotion.registryPort,
              image: config.registryImage,
              users,
              curl: config.tools.curl,
              node: config.tools.node,
              containerName: `${prefix}-promotion-registry`,
            },
            child,
          );
    const policy = policyEnabled(config) ? { builderId: config.builderId, deniedPackages: config.policy.deniedPackages } : undefined;

    const previous = config.driftCheck
      ? pulumi.output(args.previousDrift ?? readPreviousDrift(process.env.PULUMI_BACKEND_URL, { parent: this, aliases: child.aliases }))
      : undefined;
    const pipelines = images.map(
      (image) =>
        [
          image.name,
          new SigningPipeline(
            image.name,
            {
              registry,
              image: imageSource(image),
              key,
              verifyPublicKeyPem: config.verifyPublicKey,
              signatureFormat: config.signatureFormat,
              sbom: { format: config.sbomFormat, scope: config.sbomScope, delivery: config.sbomAttach },
              workDir,
              tools: config.tools,
              drift: previous ? { previous: previous.apply((records) => records?.[image.name]) } : undefined,
              timestamps: tsa,
              provenance: config.provenance ? { builderId: config.builderId } : undefined,
              policy,
              promotion: promotionRegistry ? { registry: promotionRegistry, oras: config.tools.oras } : undefined,
            },
            child,
          ),
        ] as const,
    );
    const [appImage, first] = pipelines[0] ?? [];
    if (!appImage || !first) throw new Error("the lab's settings name no image");

    // The first image is the app: it runs from its admitted digest once everything about it verified.
    const app = config.runApp
      ? new VerifiedContainer(
          `${appImage}-app`,
          {
            verifiedRef: first.admittedRef,
            hostPort: config.appPort,
            registryCredentials: registry.credentials,
            containerName: `${prefix}-${appImage}-app`,
          },
          { ...child, dependsOn: [first] },
        )
      : undefined;

    this.registryEndpoint = pulumi.output(registry.endpoint);
    this.registryCaFile = registry.caFile;
    this.publicKey = key.publicKeyPem;
    this.verifyPublicKey = config.verifyPublicKey ? pulumi.output(config.verifyPublicKey) : key.publicKeyPem;
    this.publicKeyFingerprint = key.publicKeyFingerprint;
    this.vaultAddress = vault?.address;
    this.images = Object.fromEntries(
      pipelines.map(([imageName, pipeline]) => [
        imageName,
        {
          digestRef: pipeline.digestRef,
          taggedRef: pipeline.taggedRef,
          verifiedRef: pipeline.verifiedRef,
          signatureRef: pipeline.signatureRef,
          attestedRef: pipeline.attestedRef,
          sbomFile: pipeline.sbomFile,
          sbomSha256: pipeline.sbomSha256,
          sbomPackageCount: pipeline.packageCount,
          inspection: pipeline.inspection,
          provenanceRef: pipeline.provenanceRef,
          admittedRef: pipeline.admittedRef,
          promotedRef: pipeline.promotedRef,
          ociArchive: pipeline.ociArchive,
        },
      ]),
    );
    this.drift = config.driftCheck
      ? Object.fromEntries(pipelines.map(([imageName, pipeline]) => [imageName, pipeline.driftRecord]))
      : undefined;
    this.promotionRegistryEndpoint = promotionRegistry ? pulumi.output(promotionRegistry.endpoint) : undefined;
    this.admittedRef = first.admittedRef;
    this.promotedRef = first.promotedRef;
    this.ociArchive = first.ociArchive;
    this.imageDigestRef = first.digestRef;
    this.signedRef = first.signedRef;
    this.verifiedRef = first.verifiedRef;
    this.attestedRef = first.attestedRef;
    this.sbomSha256 = first.sbomSha256;
    this.sbomPackageCount = first.packageCount;
    this.imageInspection = first.inspection;
    this.appUrl = app?.url;
    this.appRef = app?.runningRef;
    this.trustedRoot = tsa?.trustedRoot;
    this.timestampAuthorityUrl = tsa?.tsaUrl;
    this.transparencyLogUrl = log?.url;

    this.registerOutputs({
      registryEndpoint: this.registryEndpoint,
      publicKey: this.publicKey,
      verifyPublicKey: this.verifyPublicKey,
      publicKeyFingerprint: this.publicKeyFingerprint,
      admittedRef: this.admittedRef,
      promotedRef: this.promotedRef,
      imageDigestRef: this.imageDigestRef,
      verifiedRef: this.verifiedRef,
      appUrl: this.appUrl,
      appRef: this.appRef,
      trustedRoot: this.trustedRoot,
    });
  }
}
