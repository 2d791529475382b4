import * as pulumi from "@pulumi/pulumi";
import { findProjectRoot, loadLabConfig, SigningLab, type DriftRecord, type LabConfig } from "@signed-image-lab/components";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the lab runs: the project root that relative config paths mean, and the stack. */
export interface LabSite {
  /** The folder of Pulumi.yaml; `image.context`, `workDir` and `registryCaFile` are relative to it. */
  readonly projectRoot: string;
  /** The stack name: SBOM files go to `<workDir>/<stack>`, containers are named after it. */
  readonly stack: string;
  /** What the previous update exported as `drift` (per image). Default: SigningLab reads it. */
  readonly previousDrift?: pulumi.Input<Record<string, DriftRecord> | undefined>;
  /** Check the machine's tools before anything is created. Default false (lab.sh's preflight did). */
  readonly checkTools?: boolean;
}

/**
 * The whole lab for a validated config: one {@link SigningLab}, whose children keep the root URNs
 * this program gave them before the lab was a component. Returns the stack outputs.
 */
export function createLab(config: LabConfig, site: LabSite) {
  const lab = new SigningLab("lab", {
    settings: config,
    settingsName: pulumi.getProject(),
    projectRoot: site.projectRoot,
    namePrefix: site.stack,
    previousDrift: site.previousDrift,
    checkTools: site.checkTools ?? false,
    aliasChildrenToRoot: true,
  });
  return {
    registryEndpoint: lab.registryEndpoint,
    registryCaFile: lab.registryCaFile,
    publicKey: lab.publicKey,
    verifyPublicKey: lab.verifyPublicKey,
    vaultAddress: lab.vaultAddress,
    publicKeyFingerprint: lab.publicKeyFingerprint,
    images: lab.images,
    drift: lab.drift,
    promotionRegistryEndpoint: lab.promotionRegistryEndpoint,
    admittedRef: lab.admittedRef,
    promotedRef: lab.promotedRef,
    ociArchive: lab.ociArchive,
    imageDigestRef: lab.imageDigestRef,
    signedRef: lab.signedRef,
    verifiedRef: lab.verifiedRef,
    attestedRef: lab.attestedRef,
    sbomSha256: lab.sbomSha256,
    sbomPackageCount: lab.sbomPackageCount,
    imageInspection: lab.imageInspection,
    appUrl: lab.appUrl,
    appRef: lab.appRef,
    signatureFormat: config.signatureFormat,
    sbomFormat: config.sbomFormat,
    transparency: config.transparency,
    trustedRoot: lab.trustedRoot,
    timestampAuthorityUrl: lab.timestampAuthorityUrl,
    transparencyLogUrl: lab.transparencyLogUrl,
  };
}

/**
 * The stack program: the lab for this stack's config (read and validated, with the paths it
 * names, before any resource is made). The engine runs it with cwd = infra; relative config paths are the project root's.
 * The machine's tools are checked unless lab.sh's preflight just did (`LAB_TOOLS_CHECKED=1`).
 */
export function labProgram(given?: LabConfig) {
  const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
  // One pass over the schema and the paths it names on this machine, before any resource.
  const config = given ?? loadLabConfig(undefined, { projectRoot });
  return createLab(config, {
    projectRoot,
    stack: pulumi.getStack(),
    checkTools: process.env.LAB_TOOLS_CHECKED !== "1",
  });
}
