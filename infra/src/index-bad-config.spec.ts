import { describe, expect, it } from "vitest";
import { installLabMocks } from "./test-support/run-lab-program.js";

describe("the lab program on bad config", () => {
  it("stops before registering any resource, naming every bad key", async () => {
    const mocks = await installLabMocks({ cosignPassword: "pw", registryPort: "99999", sbomFormat: "xml" }, ["cosignPassword"]);
    await expect(import("./index.js")).rejects.toThrow(
      /signed-image-lab:registryPort: must be 1 to 65535[\s\S]*signed-image-lab:sbomFormat/,
    );
    expect(mocks.resources).toEqual([]);
  });
});
