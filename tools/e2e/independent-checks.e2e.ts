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
import { beforeAll, describe, expect, it } from "vitest";
import { useSigningLab } from "./support/signing-lab.js";
import { labToolsOrSkip } from "./support/lab-tools.js";
import { sign } from "./support/signing.js";

const tools = labToolsOrSkip("skopeo");

describe.skipIf(!tools)("independent checks: skopeo inspect, and a containers/image signature policy", () => {
  const env = useSigningLab(tools);
  let policyDir: string;

  /** Checks `ref` under a policy that wants the lab key's signature for its repository. */
  function checkUnderPolicy(ref: string) {
    const { repository } = parseDigestRef(ref);
    const policyFile = join(policyDir, `${repository.split("/").pop()}-policy.json`);
    writeFileSync(policyFile, JSON.stringify(sigstorePolicy(repository, join(policyDir, "cosign.pub"))));
    return runStep(
      policyCheckStep({ ref, policyFile, registriesDir: join(policyDir, "registries.d"), policyCheck: tools!.policyCheck }),
      env.auth,
    );
  }

  beforeAll(async () => {
    await sign(tools!, env.ref, env.labKey, env.auth);
    policyDir = env.lab.tempDir("policy");
    mkdirSync(join(policyDir, "registries.d"));
    writeFileSync(join(policyDir, "registries.d", "lab.yaml"), sigstoreAttachmentsConfig(env.registry.endpoint));
    writeFileSync(join(policyDir, "cosign.pub"), env.labKey.publicKeyPem);
  });

  it("skopeo inspect reports the digest docker pushed", async () => {
    const report = JSON.parse(await runStepOrThrow("skopeo inspect", inspectStep({ ref: env.ref, skopeo: tools!.skopeo }), env.auth)) as {
      Digest: string;
      Layers: string[];
    };
    expect(report.Digest).toBe(parseDigestRef(env.ref).digest);
    expect(report.Layers.length).toBeGreaterThan(1);
  });

  it("accepts the image cosign signed with the lab key", async () => {
    const check = await checkUnderPolicy(env.ref);
    expect(check.stderr).toBe("");
    expect(check.stdout.trim()).toBe("accepted");
    expect(check.exitCode).toBe(0);
  });

  it("rejects an unsigned image", async () => {
    const unsigned = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/unsigned:1.0`,
      env.auth,
    );
    const check = await checkUnderPolicy(unsigned);
    expect(check.exitCode).not.toBe(0);
    expect(check.stderr).toMatch(/Source image rejected: .*(no signature|signature).*/i);
  });

  it("rejects an image signed by another key", async () => {
    const foreign = await env.lab.pushChangedImage(
      `${env.registry.endpoint}/studentbook:1.0`,
      `${env.registry.endpoint}/foreign:1.0`,
      env.auth,
    );
    await sign(tools!, foreign, env.otherKey, env.auth);
    const check = await checkUnderPolicy(foreign);
    expect(check.exitCode).not.toBe(0);
    expect(check.stderr).toMatch(/Source image rejected/);
  });

  it("leaves nothing behind", async () => {
    await env.lab.cleanup();
    expect(await env.lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
