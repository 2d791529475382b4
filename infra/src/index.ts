import * as pulumi from "@pulumi/pulumi";
import {
  Image,
  ImageInspection,
  loadLabConfig,
  Registry,
  SbomAttestation,
  SignedImage,
  SigningKey,
  VerifiedContainer,
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
    }
  : new Registry("registry", { port: config.registryPort, image: config.registryImage, users, curl: config.tools.curl });
const registryCredentials = registry.credentials;

const imageRef: pulumi.Output<string> = config.existingImageRef
  ? pulumi.output(config.existingImageRef)
  : new Image(config.image.name, {
      registry,
      repository: config.image.name,
      tag: config.image.tag,
      context: resolve(config.image.context),
      dockerfile: config.image.dockerfile,
      buildArgs: { BASE_IMAGE: config.baseImage },
    }).ref;

const keySource: SigningKeySource =
  config.signingKey.source === "kms"
    ? { kind: "kms", uri: config.signingKey.kmsUri ?? "" }
    : config.signingKey.source === "config"
      ? { kind: "import", privateKeyPem: pulumi.secret(config.cosignPrivateKey ?? "") }
      : { kind: "generate" };
const key = new SigningKey("cosign", {
  source: keySource,
  password: config.cosignPassword === undefined ? undefined : pulumi.secret(config.cosignPassword),
  cosign: config.tools.cosign,
});

const inspection = new ImageInspection(config.image.name, { ref: imageRef, registryCredentials, skopeo: config.tools.skopeo });

const signed = new SignedImage(config.image.name, {
  ref: imageRef,
  key,
  verifyPublicKeyPem: config.verifyPublicKey,
  registryCredentials,
  format: config.signatureFormat,
  cosign: config.tools.cosign,
});

const sbom = new SbomAttestation(config.image.name, {
  ref: signed.signedRef,
  key,
  verifyPublicKeyPem: config.verifyPublicKey,
  workDir,
  format: config.sbomFormat,
  scope: config.sbomScope,
  delivery: config.sbomAttach,
  signatureFormat: config.signatureFormat,
  registryCredentials,
  tools: config.tools,
});

const app = config.runApp
  ? new VerifiedContainer(
      `${config.image.name}-app`,
      { verifiedRef: signed.verifiedRef, hostPort: config.appPort, registryCredentials },
      { dependsOn: [sbom] },
    )
  : undefined;

export const registryEndpoint = registry.endpoint;
export const imageDigestRef = imageRef;
export const imageInspection = inspection.summary;
export const publicKey = key.publicKeyPem;
export const publicKeyFingerprint = key.publicKeyFingerprint;
export const signedRef = signed.signedRef;
export const verifiedRef = signed.verifiedRef;
export const signatureRef = signed.signatureRef;
export const sbomFile = sbom.sbomFile;
export const sbomSha256 = sbom.sbomSha256;
export const sbomPackageCount = sbom.packageCount;
export const attestedRef = sbom.attestedRef;
export const attachedSbomRef = sbom.attachedRef;
export const appUrl = app?.url;
export const appRef = app?.runningRef;
