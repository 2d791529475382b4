import * as pulumi from "@pulumi/pulumi";
import {
  findProjectRoot,
  labImages,
  policyEnabled,
  loadLabConfig,
  readCheckpointOutputs,
  Registry,
  SigningKey,
  SigningPipeline,
  TimestampAuthority,
  TransparencyLog,
  VaultDevServer,
  VerifiedContainer,
  type DriftRecord,
  type LabConfig,
  type LabImageConfig,
  LabConfigError,
  type PipelineImageSource,
  type RegistryAccess,
  type SigningKeySource,
} from "@signed-image-lab/components";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the lab runs: the project root that relative config paths mean, and the stack. */
export interface LabSite {
  /** The folder of Pulumi.yaml; `image.context`, `workDir` and `registryCaFile` are relative to it. */
  readonly projectRoot: string;
  /** The stack name: SBOM files go to `<workDir>/<stack>`, containers are named after it. */
  readonly stack: string;
  /** What the previous update exported as `drift` (per image), when the drift check is on. */
  readonly previousDrift?: pulumi.Input<Record<string, DriftRecord> | undefined>;
}

/** The name of the stack reference through which an update reads its own stack's last outputs. */
export function selfStackName(): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * What the previous update of this stack exported as `drift`; nothing on the first update. On
 * a file backend (`lab:up` sets PULUMI_BACKEND_URL) it is read from the checkpoint file: a
 * StackReference to the stack itself raced the engine writing that file. Elsewhere (PostgreSQL,
 * Pulumi Cloud) a StackReference reads it.
 */
export function readPreviousDrift(backendUrl = process.env.PULUMI_BACKEND_URL): pulumi.Input<Record<string, DriftRecord> | undefined> {
  if (backendUrl?.startsWith("file://")) {
    return readCheckpointOutputs(backendUrl, pulumi.getProject(), pulumi.getStack())?.drift as Record<string, DriftRecord> | undefined;
  }
  const self = new pulumi.StackReference("previous-update", { name: selfStackName() });
  return self.getOutput("drift") as pulumi.Output<Record<string, DriftRecord> | undefined>;
}

/**
 * Refuses, before any resource is made, an image whose build context or Dockerfile is not
 * there: the build would fail late, and its provenance hashes them.
 */
function requireBuildSources(images: readonly LabImageConfig[], key: "image" | "images", fromRoot: (path: string) => string): void {
  const problems = images.flatMap((image, i) => {
    const at = key === "images" ? `images[${i}]` : "image";
    const context = fromRoot(image.context);
    if (!existsSync(context) || !statSync(context).isDirectory()) return [`signed-image-lab:${at}.context: no folder ${context}`];
    const dockerfile = resolve(context, image.dockerfile ?? "Dockerfile");
    return existsSync(dockerfile) ? [] : [`signed-image-lab:${at}.dockerfile: no file ${dockerfile}`];
  });
  if (problems.length > 0) throw new LabConfigError(problems);
}

/** Where the signing key comes from, by config. */
function keySource(config: LabConfig, vault: VaultDevServer | undefined): SigningKeySource {
  if (vault) return { kind: "kms", uri: vault.keyRef, environment: vault.environment };
  switch (config.signingKey.source) {
    case "kms":
      return {
        kind: "kms",
        uri: config.signingKey.kmsUri ?? "",
        // cosign reads Vault's (and OpenBao's) address and token from these variables.
        environment: config.vaultAddress
          ? { VAULT_ADDR: config.vaultAddress, VAULT_TOKEN: pulumi.secret(config.vaultToken ?? "") }
          : undefined,
      };
    case "config":
      return { kind: "import", privateKeyPem: pulumi.secret(config.cosignPrivateKey ?? "") };
    case "generate":
      return { kind: "generate" };
  }
}

/** What the stack reports of one image, for people and for `lab:status`. */
function imageOutputs(pipeline: SigningPipeline) {
  return {
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
  };
}

/**
 * The whole lab for a validated config: registry (or an existing one), key, one signing
 * pipeline per image, the app from the first image's verified digest. Returns the stack outputs.
 */
export function createLab(config: LabConfig, site: LabSite) {
  const fromRoot = (path: string) => resolve(site.projectRoot, path);
  const workDir = resolve(site.projectRoot, config.workDir, site.stack);
  const users = config.registryAuth.enabled
    ? config.registryAuth.users.map((u) => ({ username: u.username, password: pulumi.secret(u.password) }))
    : [];

  const registry: RegistryAccess = config.existingRegistry
    ? {
        endpoint: config.existingRegistry,
        credentials: users[0] ? pulumi.secret(pulumi.output(users[0])) : undefined,
        caFile: config.registryCaFile ? fromRoot(config.registryCaFile) : undefined,
      }
    : new Registry("registry", {
        port: config.registryPort,
        image: config.registryImage,
        users,
        curl: config.tools.curl,
        node: config.tools.node,
        containerName: `${site.stack}-registry`,
        tls: config.registryTls ? { caFile: resolve(workDir, "registry-ca", "ca.crt") } : undefined,
      });

  // The seed's "install and use a vault" challenge: the lab's own dev server holds the key.
  const vault = config.vaultDevServer
    ? new VaultDevServer("vault", {
        image: config.vaultDevServer.image,
        port: config.vaultDevServer.port,
        keyName: config.vaultDevServer.keyName,
        rootToken: pulumi.secret(config.vaultToken ?? ""),
        bao: config.tools.bao,
      })
    : undefined;

  const key = new SigningKey("cosign", {
    source: keySource(config, vault),
    password: config.cosignPassword === undefined ? undefined : pulumi.secret(config.cosignPassword),
    cosign: config.tools.cosign,
  });

  // transparency: timestamps — the lab's own timestamp authority; every signature carries a
  // signed timestamp from it and every verification requires one from its trusted root.
  // timestamps+log — also the lab's own Rekor v2: every signature is logged, every
  // verification requires the entry.
  const log =
    config.transparency === "timestamps+log"
      ? new TransparencyLog("rekor", {
          port: config.transparencyLog.port,
          image: config.transparencyLog.image,
          containerName: `${site.stack}-rekor`,
          tools: { curl: config.tools.curl },
        })
      : undefined;
  const tsa =
    config.transparency === "off"
      ? undefined
      : new TimestampAuthority("tsa", {
          port: config.timestampAuthority.port,
          image: config.timestampAuthority.image,
          containerName: `${site.stack}-tsa`,
          tools: { cosign: config.tools.cosign, curl: config.tools.curl },
          log: log ? { url: log.url, publicKeyPem: log.publicKeyPem } : undefined,
        });

  const images = labImages(config);
  if (!config.existingImageRef) requireBuildSources(images, config.images ? "images" : "image", fromRoot);
  const imageSource = (image: (typeof images)[number]): PipelineImageSource =>
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
      : new Registry("promotion-registry", {
          port: config.promotion.registryPort,
          image: config.registryImage,
          users,
          curl: config.tools.curl,
          node: config.tools.node,
          containerName: `${site.stack}-promotion-registry`,
        });
  const policy = policyEnabled(config) ? { builderId: config.builderId, deniedPackages: config.policy.deniedPackages } : undefined;

  const previousDrift = config.driftCheck ? pulumi.output(site.previousDrift) : undefined;
  const pipelines = images.map(
    (image) =>
      [
        image.name,
        new SigningPipeline(image.name, {
          registry,
          image: imageSource(image),
          key,
          verifyPublicKeyPem: config.verifyPublicKey,
          signatureFormat: config.signatureFormat,
          sbom: { format: config.sbomFormat, scope: config.sbomScope, delivery: config.sbomAttach },
          workDir,
          tools: config.tools,
          drift: previousDrift ? { previous: previousDrift.apply((records) => records?.[image.name]) } : undefined,
          timestamps: tsa,
          provenance: config.provenance ? { builderId: config.builderId } : undefined,
          policy,
          promotion: promotionRegistry ? { registry: promotionRegistry, oras: config.tools.oras } : undefined,
        }),
      ] as const,
  );
  const [appImage, first] = pipelines[0] ?? [];
  if (!appImage || !first) throw new Error("the lab config names no image");

  // The first image is the app: it runs from its verified digest once its attestation verified too.
  const app = config.runApp
    ? new VerifiedContainer(
        `${appImage}-app`,
        {
          verifiedRef: first.admittedRef,
          hostPort: config.appPort,
          registryCredentials: registry.credentials,
          containerName: `${site.stack}-${appImage}-app`,
        },
        { dependsOn: [first] },
      )
    : undefined;

  return {
    registryEndpoint: registry.endpoint,
    registryCaFile: registry.caFile,
    publicKey: key.publicKeyPem,
    /** The key every verify step trusts: the pinned `verifyPublicKey`, else the signing key's. */
    verifyPublicKey: config.verifyPublicKey ?? key.publicKeyPem,
    vaultAddress: vault?.address,
    publicKeyFingerprint: key.publicKeyFingerprint,
    /** Per image, keyed by its name. */
    images: Object.fromEntries(pipelines.map(([name, pipeline]) => [name, imageOutputs(pipeline)])),
    /** Per image: what the next update's drift check starts from. */
    drift: config.driftCheck ? Object.fromEntries(pipelines.map(([name, pipeline]) => [name, pipeline.driftRecord])) : undefined,
    /** The registry promotion copies to (undefined without promotion). */
    promotionRegistryEndpoint: promotionRegistry?.endpoint,
    /** The first image once it passed the policy (the verified ref when there is no policy): what the app runs. */
    admittedRef: first.admittedRef,
    /** The first image in the promotion's registry, verified there. */
    promotedRef: first.promotedRef,
    /** The first image's verified digest as an OCI archive (the seed's step 1.4): file and sha256. */
    ociArchive: first.ociArchive,
    imageDigestRef: first.digestRef,
    signedRef: first.signedRef,
    verifiedRef: first.verifiedRef,
    attestedRef: first.attestedRef,
    sbomSha256: first.sbomSha256,
    sbomPackageCount: first.packageCount,
    imageInspection: first.inspection,
    appUrl: app?.url,
    appRef: app?.runningRef,
    signatureFormat: config.signatureFormat,
    sbomFormat: config.sbomFormat,
    transparency: config.transparency,
    /** The Sigstore trusted root (the lab TSA's chain): `cosign verify --trusted-root` with it. */
    trustedRoot: tsa?.trustedRoot,
    timestampAuthorityUrl: tsa?.tsaUrl,
    transparencyLogUrl: log?.url,
  };
}

/**
 * The stack program: the lab for this stack's config (read and validated before any resource is
 * made). The engine runs it with cwd = infra; relative config paths are the project root's.
 */
export function labProgram(config: LabConfig = loadLabConfig()) {
  return createLab(config, {
    projectRoot: findProjectRoot(dirname(fileURLToPath(import.meta.url))),
    stack: pulumi.getStack(),
    previousDrift: config.driftCheck ? readPreviousDrift() : undefined,
  });
}
