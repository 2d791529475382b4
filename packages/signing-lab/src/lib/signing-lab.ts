import * as pulumi from "@pulumi/pulumi";
import { SigningLab as LabComponent, type SigningLabSettings } from "@signed-image-lab/components";
import { absolutePathProblems, refuseProblems } from "./args-validation.js";
import type {
  LabImage,
  LabPolicy,
  LabSigningKey,
  SbomDelivery,
  SbomFormat,
  SbomScope,
  SignatureFormat,
  Transparency,
} from "./schema-types.js";

/** Arguments of SigningLab: the lab's settings (docs/configuration.md), each optional with its documented default. */
export interface SigningLabArgs {
  /**
   * The absolute folder that relative paths (image.context, workDir) mean: the program's folder.
   * Required: the component runs in its own provider process, whose working directory is not the program's.
   */
  readonly projectRoot: string;
  /** The prefix of every container the lab runs (prefix-registry, prefix-image-app). Default the stack name. */
  readonly namePrefix?: string;
  /** Port of the lab's registry on 127.0.0.1. Default 5001. */
  readonly registryPort?: number;
  /** The registry image. Default distribution 2.8.3, pinned by digest. */
  readonly registryImage?: string;
  /** An existing registry (host:port) instead of the lab's own. Default none. */
  readonly existingRegistry?: string;
  /** Sign an image already pushed (host:port/name@sha256:digest) instead of building one. Default none. */
  readonly existingImageRef?: string;
  /** The image to build, push, sign and attest. Default studentbook from packages/studentbook. */
  readonly image?: LabImage;
  /** Several images instead of image; the first one is the app. Default none. */
  readonly images?: LabImage[];
  /** The FROM image every build gets as its BASE_IMAGE build argument. Default node 20 bookworm-slim, pinned by digest. */
  readonly baseImage?: string;
  /** Port the app answers on at 127.0.0.1. Default 8090. */
  readonly appPort?: number;
  /** Run the first image from its admitted digest. Default true. */
  readonly runApp?: boolean;
  /** The signing key. Default a generated key encrypted with cosignPassword. */
  readonly signingKey?: LabSigningKey;
  /** The cosign key's password (a secret): required for a generated key. */
  readonly cosignPassword?: pulumi.Input<string>;
  /** Address of the Vault or OpenBao a hashivault:// or openbao:// kmsUri signs through. Default none. */
  readonly vaultAddress?: string;
  /** Token for vaultAddress (a secret). Default none. */
  readonly vaultToken?: pulumi.Input<string>;
  /** Only the public key PEM verification trusts. Default the signing key's. */
  readonly verifyPublicKey?: string;
  /** Default legacy. */
  readonly signatureFormat?: SignatureFormat;
  /** Default spdx-json. */
  readonly sbomFormat?: SbomFormat;
  /** Default all-layers. */
  readonly sbomScope?: SbomScope;
  /** Default both. */
  readonly sbomAttach?: SbomDelivery;
  /** Signed timestamps and a transparency log of the lab's own (needs signatureFormat bundle). Default off. */
  readonly transparency?: Transparency;
  /** Attest SLSA v1 provenance of each build and verify it. Default true. */
  readonly provenance?: boolean;
  /** The builder id provenance names (a URI). Default the lab's. */
  readonly builderId?: string;
  /** The attestation policy the image must pass before the app runs it. Default on with provenance and an attested SBOM. */
  readonly policy?: LabPolicy;
  /** Folder for SBOM files and the registry CA, relative to projectRoot. Default .lab. */
  readonly workDir?: string;
  /**
   * Re-make what the registry lost since the last update. Default false here: the check reads the
   * drift stack output of the previous update, which only a TypeScript program over the lab exports.
   */
  readonly driftCheck?: boolean;
  /** Check that the tools the lab runs are on this machine at their pinned versions before anything is created. Default true. */
  readonly checkTools?: boolean;
}

/** The settings of the lab's component from the schema's arguments (the keys are the same). */
export function labSettings(args: SigningLabArgs): SigningLabSettings {
  const { projectRoot: _root, namePrefix: _prefix, checkTools: _check, driftCheck, ...settings } = args;
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  return { ...defined, driftCheck: driftCheck ?? false } as SigningLabSettings;
}

/**
 * The whole image-signing lab: a registry on 127.0.0.1 (or an existing one), a cosign key, one signing
 * pipeline per image (build, push, sign by digest, verify, SBOM attached and attested, provenance, the
 * attestation policy) and the app run from its admitted digest. Settings are validated before anything
 * is created; every problem names its key as SigningLabArgs:key.path.
 * See https://docs.sigstore.dev/cosign/signing/signing_with_containers/
 */
export class SigningLab extends pulumi.ComponentResource {
  /** The registry's host:port. */
  readonly registryEndpoint: pulumi.Output<string>;
  /** The signing key's public key (PEM): cosign verify --key with it. */
  readonly publicKey: pulumi.Output<string>;
  /** The public key every verification trusts. */
  readonly verifyPublicKey: pulumi.Output<string>;
  /** The sha256 of the public key (DER). */
  readonly publicKeyFingerprint: pulumi.Output<string>;
  /** The first image once it passed the policy, pinned by digest: what the app runs. */
  readonly admittedRef: pulumi.Output<string>;
  /** The first image as pushed, pinned by digest. */
  readonly imageDigestRef: pulumi.Output<string>;
  /** Resolves once cosign sign succeeded. */
  readonly signedRef: pulumi.Output<string>;
  /** Resolves once cosign verify accepted the signature. */
  readonly verifiedRef: pulumi.Output<string>;
  /** Resolves once the SBOM attestation verified (undefined when the SBOM is only attached). */
  readonly attestedRef?: pulumi.Output<string>;
  /** The sha256 of the first image's SBOM file. */
  readonly sbomSha256: pulumi.Output<string>;
  /** How many packages the SBOM lists. */
  readonly sbomPackageCount: pulumi.Output<number>;
  /** Where the app answers (with runApp). */
  readonly appUrl?: pulumi.Output<string>;
  /** The digest ref the app runs (with runApp). */
  readonly appRef?: pulumi.Output<string>;
  /** The Sigstore trusted root of the lab's timestamp authority (with transparency). */
  readonly trustedRoot?: pulumi.Output<string>;

  constructor(name: string, args: SigningLabArgs, opts?: pulumi.ComponentResourceOptions) {
    refuseProblems("SigningLabArgs", absolutePathProblems(args?.projectRoot, "projectRoot"));
    // The lab component validates every setting (naming SigningLabArgs:<key path>) before it registers anything.
    const settings = labSettings(args);
    super("signing-lab:index:SigningLab", name, {}, opts);
    const lab = new LabComponent(
      "lab",
      {
        settings,
        settingsName: "SigningLabArgs",
        projectRoot: args.projectRoot,
        namePrefix: args.namePrefix,
        checkTools: args.checkTools,
      },
      { parent: this },
    );
    this.registryEndpoint = lab.registryEndpoint;
    this.publicKey = lab.publicKey;
    this.verifyPublicKey = lab.verifyPublicKey;
    this.publicKeyFingerprint = lab.publicKeyFingerprint;
    this.admittedRef = lab.admittedRef;
    this.imageDigestRef = lab.imageDigestRef;
    this.signedRef = lab.signedRef;
    this.verifiedRef = lab.verifiedRef;
    this.attestedRef = lab.attestedRef;
    this.sbomSha256 = lab.sbomSha256;
    this.sbomPackageCount = lab.sbomPackageCount;
    this.appUrl = lab.appUrl;
    this.appRef = lab.appRef;
    this.trustedRoot = lab.trustedRoot;
    this.registerOutputs({
      registryEndpoint: this.registryEndpoint,
      publicKey: this.publicKey,
      verifyPublicKey: this.verifyPublicKey,
      publicKeyFingerprint: this.publicKeyFingerprint,
      admittedRef: this.admittedRef,
      imageDigestRef: this.imageDigestRef,
      signedRef: this.signedRef,
      verifiedRef: this.verifiedRef,
      attestedRef: this.attestedRef,
      sbomSha256: this.sbomSha256,
      sbomPackageCount: this.sbomPackageCount,
      appUrl: this.appUrl,
      appRef: this.appRef,
      trustedRoot: this.trustedRoot,
    });
  }
}
