import { labProgram } from "./lab.js";

const lab = labProgram();

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
