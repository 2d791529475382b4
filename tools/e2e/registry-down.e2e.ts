import { scanStep, verifyStep, waitForRegistryStep, runStep } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { generateKey, verifierEnv, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("registry-down");

describe.skipIf(!tools)("a registry that is down gives a clear error in bounded time", () => {
  let lab: LabFixture;
  let registry: TestRegistry;
  let key: TestKey;
  let ref: string;

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    registry = await lab.startRegistry();
    key = await generateKey(tools!, "pw");
    ref = await lab.pushStudentbook(registry);
  });
  afterAll(async () => {
    await execa(tools!.docker, ["unpause", registry.container], { reject: false });
    await lab?.cleanup();
  });

  it("stopped registry: verify fails at once, naming the registry", async () => {
    await execa(tools!.docker, ["stop", "-t", "1", registry.container]);
    const result = await runStep(verifyStep({ ref, format: "legacy", cosign: tools!.cosign }), verifierEnv(key));
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(registry.endpoint);
    expect(result.stderr).toMatch(/connection refused/);
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it("stopped registry: the readiness probe gives up with a message instead of waiting forever", async () => {
    const result = await runStep(
      waitForRegistryStep({ endpoint: registry.endpoint, authEnabled: false, timeoutSeconds: 3, curl: tools!.curl }),
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`registry ${registry.endpoint} did not answer http://${registry.endpoint}/v2/ with HTTP 200 within 3s`);
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it("paused registry (accepts, never answers): syft is stopped by the step's time limit, named", async () => {
    await execa(tools!.docker, ["start", registry.container]);
    await runStep(waitForRegistryStep({ endpoint: registry.endpoint, authEnabled: false, timeoutSeconds: 30, curl: tools!.curl }));
    await execa(tools!.docker, ["pause", registry.container]);
    const outFile = join(lab.tempDir("sbom"), "x.spdx.json");
    const result = await runStep({ ...scanStep({ ref, outFile, sbomFormat: "spdx-json", syft: tools!.syft }), timeoutSeconds: 5 });
    expect(result.exitCode).toBe(124);
    expect(result.stderr).toContain(`${tools!.syft} did not finish within 5s (is the service it talks to answering?)`);
    expect(result.durationMs).toBeLessThan(20_000);
  });

  it("leaves nothing behind", async () => {
    await execa(tools!.docker, ["unpause", registry.container], { reject: false });
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
