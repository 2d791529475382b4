import { describe, expect, it } from "vitest";
import { IMAGE_FROM_VERIFIED_REF } from "./image-from-verified-ref.js";
import { IMAGE_PINNED_BY_DIGEST } from "./image-pinned-by-digest.js";
import { policyPackArgs } from "./policy-pack.js";

describe("the policy pack", () => {
  it("serves both rules, mandatory unless a stack's policy config lowers them", () => {
    expect(policyPackArgs.enforcementLevel).toBe("mandatory");
    expect(policyPackArgs.policies.map((p) => p.name)).toEqual([IMAGE_PINNED_BY_DIGEST, IMAGE_FROM_VERIFIED_REF]);
    expect(policyPackArgs.policies.every((p) => p.enforcementLevel === undefined)).toBe(true);
  });

  it("checks each resource before it is made for pins, and the whole stack for verified refs", () => {
    const [pinned, verified] = policyPackArgs.policies;
    expect(pinned).toHaveProperty("validateResource", expect.any(Function));
    expect(pinned).not.toHaveProperty("validateStack");
    expect(verified).toHaveProperty("validateStack", expect.any(Function));
  });
});
