import * as pulumi from "@pulumi/pulumi";
import { findProjectRoot, loadLabConfig } from "@signed-image-lab/components";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createLab, readPreviousDrift } from "./lab.js";

// The engine runs this program with cwd = the folder of `main` (infra): paths are the project root's.
const config = loadLabConfig();
const lab = createLab(config, {
  projectRoot: findProjectRoot(dirname(fileURLToPath(import.meta.url))),
  stack: pulumi.getStack(),
  previousDrift: config.driftCheck ? readPreviousDrift() : undefined,
});

export const registryEndpoint = lab.registryEndpoint;
export const registryCaFile = lab.registryCaFile;
export const publicKey = lab.publicKey;
export const verifyPublicKey = lab.verifyPublicKey;
export const vaultAddress = lab.vaultAddress;
export const publicKeyFingerprint = lab.publicKeyFingerprint;
export const images = lab.images;
export const drift = lab.drift;
export const imageDigestRef = lab.imageDigestRef;
export const signedRef = lab.signedRef;
export const verifiedRef = lab.verifiedRef;
export const attestedRef = lab.attestedRef;
export const sbomSha256 = lab.sbomSha256;
export const sbomPackageCount = lab.sbomPackageCount;
export const imageInspection = lab.imageInspection;
export const appUrl = lab.appUrl;
export const appRef = lab.appRef;
export const signatureFormat = lab.signatureFormat;
export const sbomFormat = lab.sbomFormat;
export const transparency = lab.transparency;
export const trustedRoot = lab.trustedRoot;
export const timestampAuthorityUrl = lab.timestampAuthorityUrl;
export const transparencyLogUrl = lab.transparencyLogUrl;
