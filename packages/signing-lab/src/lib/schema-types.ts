import type * as pulumi from "@pulumi/pulumi";

// The words of the package's schema: string enums and nested objects the Pulumi SDK's schema
// analyzer can name. No unions, tuples or Dates (the analyzer refuses them), no readonly arrays
// (it reads only Array<T>), no TSDoc links (it keeps only plain comment text).

/** How cosign stores a signature. */
export enum SignatureFormat {
  /** A `sha256-<hex>.sig` tag beside the image (what skopeo and the policy verifier read). */
  Legacy = "legacy",
  /** A Sigstore bundle as an OCI 1.1 referrer (needed for signed timestamps). */
  Bundle = "bundle",
}

/** The SBOM's format. */
export enum SbomFormat {
  /** SPDX 2.3 JSON (cosign attestation type spdxjson). */
  SpdxJson = "spdx-json",
  /** CycloneDX JSON (cosign attestation type cyclonedx). */
  CyclonedxJson = "cyclonedx-json",
}

/** Which layers syft scans. */
export enum SbomScope {
  /** Every layer, also packages a later layer deleted. */
  AllLayers = "all-layers",
  /** Only what the final file system holds. */
  Squashed = "squashed",
}

/** How the SBOM reaches the registry. */
export enum SbomDelivery {
  /** A signed in-toto attestation (`cosign attest`), verified. */
  Attest = "attest",
  /** An unsigned `sha256-<hex>.sbom` tag (`cosign attach sbom`, deprecated by cosign). */
  Attach = "attach",
  /** Both. */
  Both = "both",
}

/** Signed timestamps and a transparency log, both the lab's own. */
export enum Transparency {
  /** Neither: verification uses the key alone. */
  Off = "off",
  /** The lab's own RFC 3161 timestamp authority; every verification requires a signed timestamp. */
  Timestamps = "timestamps",
  /** The timestamp authority and the lab's own Rekor v2 log; every verification requires the log entry. */
  TimestampsAndLog = "timestamps+log",
}

/** Where the lab's signing key comes from. */
export enum LabKeySource {
  /** cosign generate-key-pair, encrypted with cosignPassword. */
  Generate = "generate",
  /** A cosign KMS URI (signingKey.kmsUri). */
  Kms = "kms",
}

/** Where a SigningKey's key comes from. */
export enum SigningKeySource {
  /** cosign generate-key-pair, encrypted with password. */
  Generate = "generate",
  /** An encrypted cosign private key PEM (privateKeyPem) with its password. */
  Import = "import",
  /** A cosign KMS URI (kmsUri). */
  Kms = "kms",
}

/** What a SigningPipeline signs. */
export enum ImageSourceKind {
  /** Build the image from a Dockerfile and push it (repository, tag, context). */
  Build = "build",
  /** An image already pushed, pinned by digest (ref). */
  Existing = "existing",
}

/** One image the lab builds, pushes, signs and attests. */
export interface LabImage {
  /** Repository name in the registry (lower case, at least two characters). */
  name: string;
  /** The tag pushed with the digest. Default 1.0. */
  tag?: string;
  /** The build context, relative to projectRoot. Default packages/studentbook. */
  context?: string;
  /** The Dockerfile, relative to the context. Default Dockerfile. */
  dockerfile?: string;
}

/** The lab's signing key. */
export interface LabSigningKey {
  /** Default generate. */
  source?: LabKeySource;
  /** The cosign KMS URI (only with source kms), such as hashivault://lab-signer. */
  kmsUri?: string;
}

/** The lab's attestation policy. */
export interface LabPolicy {
  /** Default on when the lab builds, attests the SBOM and records provenance. */
  enabled?: boolean;
  /** Packages the SBOM must not list: name or name@version. Default none. */
  deniedPackages?: string[];
}

/** A registry and how to log in to it. */
export interface RegistryAccess {
  /** host:port of the registry, such as a Registry's endpoint output. */
  endpoint: pulumi.Input<string>;
  /** User name for the registry (with password). Default none. */
  username?: pulumi.Input<string>;
  /** Password for the registry (with username; a secret). Default none. */
  password?: pulumi.Input<string>;
  /** A CA certificate file the registry's TLS chains to. Default the system roots. */
  caFile?: string;
}

/** Registry credentials. */
export interface RegistryLogin {
  /** User name. */
  username: pulumi.Input<string>;
  /** Password (a secret). */
  password: pulumi.Input<string>;
}

/** A registry user (htpasswd). */
export interface RegistryUser {
  /** User name: no ':' and no white space. */
  username: string;
  /** Password, at most 72 bytes (a secret). */
  password: pulumi.Input<string>;
}

/** The signing key a pipeline signs with: a SigningKey's outputs. */
export interface SigningKeyMaterial {
  /** What cosign's --key names: a SigningKey's keyRef output. */
  keyRef: pulumi.Input<string>;
  /** The public key PEM: a SigningKey's publicKeyPem output. */
  publicKeyPem: pulumi.Input<string>;
  /** The key's sha256 fingerprint (re-signs when it changes): a SigningKey's publicKeyFingerprint output. */
  publicKeyFingerprint: pulumi.Input<string>;
  /** The environment cosign signs with: a SigningKey's signerEnvironment output (secret). */
  signerEnvironment: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What a SigningPipeline signs: the kind and its fields. */
export interface ImageSource {
  /** build or existing. */
  kind: ImageSourceKind;
  /** Repository name in the registry (kind build). */
  repository?: string;
  /** The tag pushed with the digest (kind build). */
  tag?: string;
  /** Absolute build context (kind build). */
  context?: string;
  /** The Dockerfile, relative to the context (kind build). Default Dockerfile. */
  dockerfile?: string;
  /** Docker build arguments (kind build). Default none. */
  buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The FROM image as provenance records it (kind build). Default the build argument BASE_IMAGE. */
  baseImage?: pulumi.Input<string>;
  /** The pushed image, host:port/repository@sha256:digest (kind existing). */
  ref?: pulumi.Input<string>;
}

/** SBOM options. */
export interface SbomOptions {
  /** Default spdx-json. */
  format?: SbomFormat;
  /** Default all-layers. */
  scope?: SbomScope;
  /** Default both. */
  delivery?: SbomDelivery;
}

/** The tools a pipeline runs. */
export interface PipelineTools {
  /** Default cosign on PATH. */
  cosign?: string;
  /** Default syft on PATH. */
  syft?: string;
  /** Default skopeo on PATH. */
  skopeo?: string;
  /** Default node on PATH. */
  node?: string;
}

/** A timestamp authority every signature takes a signed timestamp from. */
export interface TimestampTrust {
  /** The authority's URL: a TimestampAuthority's tsaUrl, http://127.0.0.1:(port)/api/v1/timestamp. */
  tsaUrl: string;
  /** The Sigstore trusted root: a TimestampAuthority's trustedRoot output. */
  trustedRoot: pulumi.Input<string>;
  /** The transparency log's URL (with a log): a TransparencyLog's url. */
  logUrl?: string;
}

/** SLSA provenance of the build. */
export interface Provenance {
  /** The builder id provenance names, a URI. */
  builderId: string;
}

/** The attestation policy an image must pass before it is admitted. */
export interface AttestationPolicy {
  /** The builder id provenance must name. */
  builderId: string;
  /** Packages the SBOM must not list: name or name@version. Default none. */
  deniedPackages?: string[];
}

/** The tools a timestamp authority or transparency log runs on the host. */
export interface ServiceTools {
  /** Default openssl on PATH. */
  openssl?: string;
  /** Default cosign on PATH (timestamp authority). */
  cosign?: string;
  /** Default curl on PATH. */
  curl?: string;
}

/** A transparency log the timestamp authority's trusted root names. */
export interface TransparencyLogTrust {
  /** The log's URL: a TransparencyLog's url. */
  url: string;
  /** The log's public key PEM: a TransparencyLog's publicKeyPem output. */
  publicKeyPem: pulumi.Input<string>;
}
