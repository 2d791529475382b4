import * as pulumi from "@pulumi/pulumi";
import {
  labImages,
  loadLabConfig,
  Registry,
  SigningKey,
  SigningPipeline,
  VaultDevServer,
  VerifiedContainer,
  type PipelineImageSource,
  type RegistryAccess,
  type SigningKeySource,
} from "@signed-image-lab/components";
import { resolve } from "node:path";

const config = loadLabConfig();
const workDir = resolve(config.workDir, pulumi.getStack());
const users = config.registryAuth.enabled
  ? config.registryAuth.users.map((u) => ({ username: u.username, password: pulumi.secret(u.password) }))
  : [];

const registry: RegistryAccess = config.existingRegistry
  ? {
      endpoint: config.existingRegistry,
      credentials: users[0] ? pulumi.secret(pulumi.output(users[0])) : undefined,
      caFile: config.registryCaFile ? resolve(config.registryCaFile) : undefined,
    }
  : new Registry("registry", {
      port: config.registryPort,
      image: config.registryImage,
      users,
      curl: config.tools.curl,
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

/** Where the signing key comes from, by config. */
function keySource(): SigningKeySource {
  if (vault) return { kind: "kms", uri: vault.keyRef, environment: vault.environment };
  switch (config.signingKey.source) {
    case "kms":
      return {
        kind: "kms",
        uri: config.signingKey.kmsUri ?? "",
        // cosign reads Vault's (and OpenBao's) address and token from these variables.
        environment: config.vaultAddress ? { VAULT_ADDR: config.vaultAddress, VAULT_TOKEN: pulumi.secret(config.vaultToken ?? "") } : undefined,
      };
    case "config":
      return { kind: "import", privateKeyPem: pulumi.secret(config.cosignPrivateKey ?? "") };
    case "generate":
      return { kind: "generate" };
  }
}

const key = new SigningKey("cosign", {
  source: keySource(),
  password: config.cosignPassword === undefined ? undefined : pulumi.secret(config.cosignPassword),
  cosign: config.tools.cosign,
});

function imageSource(image: ReturnType<typeof labImages>[number]): PipelineImageSource {
  if (config.existingImageRef) return { kind: "existing", ref: config.existingImageRef };
  return {
    kind: "build",
    repository: image.name,
    tag: image.tag,
    context: resolve(image.context),
    dockerfile: image.dockerfile,
    buildArgs: { BASE_IMAGE: config.baseImage },
  };
}

const pipelines = labImages(config).map(
  (image) =>
    new SigningPipeline(image.name, {
      registry,
      image: imageSource(image),
      key,
      verifyPublicKeyPem: config.verifyPublicKey,
      signatureFormat: config.signatureFormat,
      sbom: { format: config.sbomFormat, scope: config.sbomScope, delivery: config.sbomAttach },
      workDir,
      tools: config.tools,
    }),
);
const [first] = pipelines as [SigningPipeline, ...SigningPipeline[]];

// The first image is the app: it runs from its verified digest once its attestation verified too.
const app = config.runApp
  ? new VerifiedContainer(
      `${labImages(config)[0]?.name}-app`,
      { verifiedRef: first.verifiedRef, hostPort: config.appPort, registryCredentials: registry.credentials },
      { dependsOn: [first] },
    )
  : undefined;

export const registryEndpoint = registry.endpoint;
export const registryCaFile = registry.caFile;
export const publicKey = key.publicKeyPem;
export const vaultAddress = vault?.address;
export const publicKeyFingerprint = key.publicKeyFingerprint;
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
  };
}

/** Per image, keyed by its name. */
export const images: Record<string, ReturnType<typeof imageOutputs>> = Object.fromEntries(
  labImages(config).map((image, i) => [image.name, imageOutputs(pipelines[i]!)]),
);
export const imageDigestRef = first.digestRef;
export const signedRef = first.signedRef;
export const verifiedRef = first.verifiedRef;
export const attestedRef = first.attestedRef;
export const sbomSha256 = first.sbomSha256;
export const sbomPackageCount = first.packageCount;
export const imageInspection = first.inspection;
export const appUrl = app?.url;
export const appRef = app?.runningRef;
export const signatureFormat = config.signatureFormat;
export const sbomFormat = config.sbomFormat;
