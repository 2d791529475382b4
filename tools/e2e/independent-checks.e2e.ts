import {
  inspectStep,
  parseDigestRef,
  policyCheckStep,
  sigstoreAttachmentsConfig,
  sigstorePolicy,
  runStep,
  runStepOrThrow,
} from "@signed-image-lab/tooling";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { generateKey, sign, type TestKey } from "./support/signing.js";

const tools = labToolsOrSkip("skopeo");
const alice = { username: "alice", password: "reg-pw" };

describe.skipIf(!tools)("independent checks: skopeo inspect, and a containers/image signature policy", () => {
  let lab: LabFixture;
  let registry: TestRegistry;
  let auth: Record<string, string>;
  let labKey: TestKey;
  let otherKey: TestKey;
  let signedRef: string;
  let policyDir: string;

  /** Copies `ref` under a policy that wants the lab key's signature for its repository. */
  function copyUnderPolicy(ref: string) {
    const { repository } = parseDigestRef(ref);
    const policyFile = join(policyDir, `${repository.split("/").pop()}-policy.json`);
    writeFileSync(policyFile, JSON.stringify(sigstorePolicy(repository, join(policyDir, "cosign.pub"))));
    return runStep(policyCheckStep({ ref, policyFile, registriesDir: join(policyDir, "registries.d"), policyCheck: tools!.policyCheck }), auth);
  }

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    registry = await lab.startRegistry([alice]);
    auth = registry.credentials(alice);
    [labKey, otherKey] = await Promise.all([generateKey(tools!, "lab-pw"), generateKey(tools!, "other-pw")]);
    signedRef = await lab.pushStudentbook(registry, "studentbook", auth);
    await sign(tools!, signedRef, labKey, auth);
    policyDir = lab.tempDir("policy");
    mkdirSync(join(policyDir, "registries.d"));
    writeFileSync(join(policyDir, "registries.d", "lab.yaml"), sigstoreAttachmentsConfig(registry.endpoint));
    writeFileSync(join(policyDir, "cosign.pub"), labKey.publicKeyPem);
  });
  afterAll(() => lab?.cleanup());

  it("skopeo inspect reports the digest docker pushed", async () => {
    const report = JSON.parse(await runStepOrThrow("skopeo inspect", inspectStep({ ref: signedRef, skopeo: tools!.skopeo }), auth)) as {
      Digest: string;
      Layers: string[];
    };
    expect(report.Digest).toBe(parseDigestRef(signedRef).digest);
    expect(report.Layers.length).toBeGreaterThan(1);
  });

  it("accepts the image cosign signed with the lab key", async () => {
    const copy = await copyUnderPolicy(signedRef);
    expect(copy.stderr).toBe("");
    expect(copy.stdout.trim()).toBe("accepted");
    expect(copy.exitCode).toBe(0);
  });

  it("rejects an unsigned image", async () => {
    const unsigned = await lab.pushChangedImage(`${registry.endpoint}/studentbook:1.0`, `${registry.endpoint}/unsigned:1.0`, auth);
    const copy = await copyUnderPolicy(unsigned);
    expect(copy.exitCode).not.toBe(0);
    expect(copy.stderr).toMatch(/Source image rejected: .*(no signature|signature).*/i);
  });

  it("rejects an image signed by another key", async () => {
    const foreign = await lab.pushChangedImage(`${registry.endpoint}/studentbook:1.0`, `${registry.endpoint}/foreign:1.0`, auth);
    await sign(tools!, foreign, otherKey, auth);
    const copy = await copyUnderPolicy(foreign);
    expect(copy.exitCode).not.toBe(0);
    expect(copy.stderr).toMatch(/Source image rejected/);
  });

  it("leaves nothing behind", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
