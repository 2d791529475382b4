import type { EnforcementLevel, PolicyPackArgs } from "@pulumi/policy";
import { imageFromVerifiedRef } from "./image-from-verified-ref.js";
import { imagePinnedByDigest } from "./image-pinned-by-digest.js";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const POLICY_PACK_NAME = "signed-image-lab";

/**
 * Mandatory by default: a violation fails the preview or update. Each policy's level can be
 * lowered per stack with `--policy-pack-config <file>` (`{ "image-from-verified-ref": "advisory" }`).
 */
export const DEFAULT_ENFORCEMENT: EnforcementLevel = "mandatory";

/** What `src/index.ts` serves. */
export const policyPackArgs: PolicyPackArgs = {
  description:
    "Every container image is pinned by digest, and every image a stack runs comes from a verified ref of the signed-image-lab components.",
  enforcementLevel: DEFAULT_ENFORCEMENT,
  policies: [imagePinnedByDigest, imageFromVerifiedRef],
};
