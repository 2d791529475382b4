import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { installLabMocks } from "./test-support/run-lab-program.js";

describe("the lab program on bad config", () => {
  it("stops before registering any resource, naming every bad key, as a RunError (no stack trace to format)", async () => {
    const mocks = await installLabMocks({ cosignPassword: "pw", registryPort: "99999", sbomFormat: "xml" }, ["cosignPassword"]);
    const failure = await import("./index.js").then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    // The language host inspects the error for tracing: a stack to source-map took 14 s there.
    expect((failure as Error).stack).toBe("");
    expect((failure as Error).message).toMatch(/signed-image-lab:registryPort: must be 1 to 65535[\s\S]*signed-image-lab:sbomFormat/);
    expect(mocks.resources).toEqual([]);
  });

  it("names a build context that is no folder beside every schema problem, in one pass and before any resource", async () => {
    const mocks = await installLabMocks(
      { cosignPassword: "pw", registryPort: "99999", image: JSON.stringify({ name: "studentbook", context: "no/such/folder" }) },
      ["cosignPassword"],
    );
    const started = performance.now();
    vi.resetModules();
    const failure = await import("./index.js").then(
      () => undefined,
      (error: unknown) => error,
    );
    const elapsedMs = performance.now() - started;
    expect(pulumi.RunError.isInstance(failure)).toBe(true);
    expect((failure as Error).stack).toBe("");
    expect((failure as Error).message).toMatch(
      /^invalid lab config:\n {2}signed-image-lab:registryPort: must be 1 to 65535\n {2}signed-image-lab:image\.context: no folder \S+\/no\/such\/folder /,
    );
    expect(mocks.resources).toEqual([]);
    expect(elapsedMs).toBeLessThan(2000);
  });
});
