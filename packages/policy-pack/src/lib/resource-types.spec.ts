import { SIGNED_IMAGE_TYPE as COMPONENTS_SIGNED_IMAGE, SIGNING_PIPELINE_TYPE as COMPONENTS_SIGNING_PIPELINE } from "@signed-image-lab/components";
import { describe, expect, it } from "vitest";
import { SIGNED_IMAGE_TYPE, SIGNING_PIPELINE_TYPE, VERIFYING_COMPONENT_TYPES } from "./resource-types.js";

describe("resource types", () => {
  it("are the type tokens the components register", () => {
    expect(SIGNING_PIPELINE_TYPE).toBe(COMPONENTS_SIGNING_PIPELINE);
    expect(SIGNED_IMAGE_TYPE).toBe(COMPONENTS_SIGNED_IMAGE);
    expect(VERIFYING_COMPONENT_TYPES).toEqual([COMPONENTS_SIGNING_PIPELINE, COMPONENTS_SIGNED_IMAGE]);
  });
});
