import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IMAGE_FROM_VERIFIED_REF } from "./image-from-verified-ref.js";
import { IMAGE_PINNED_BY_DIGEST } from "./image-pinned-by-digest.js";
import { LAB_SERVICE_COMPONENT_TYPES } from "./resource-types.js";

// lab-policy-config.json: what `--policy-pack-config` takes for the lab's own stack.
const config = JSON.parse(readFileSync(new URL("../../lab-policy-config.json", import.meta.url), "utf8")) as Record<
  string,
  Record<string, unknown>
>;

describe("lab-policy-config.json", () => {
  it("exempts the lab's service components from both rules and nothing else; both stay mandatory", () => {
    expect(Object.keys(config).sort()).toEqual([IMAGE_FROM_VERIFIED_REF, IMAGE_PINNED_BY_DIGEST].sort());
    for (const rule of [IMAGE_PINNED_BY_DIGEST, IMAGE_FROM_VERIFIED_REF]) {
      expect(config[rule]).toEqual({ exemptComponents: LAB_SERVICE_COMPONENT_TYPES });
    }
  });
});
