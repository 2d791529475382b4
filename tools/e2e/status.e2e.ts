import { attestStep, cleanStep, PRIVATE_KEY_FROM_ENV, probeArtifacts, runStepOrThrow } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip, REPO_ROOT } from "./support/lab-tools.js";
import { generateKey, sign, signerEnv, type TestKey, fileSha256 } from "./support/signing.js";

const tools = labToolsOrSkip("status");
const alice = { username: "alice", password: "reg-pw" };
const STATUS_CLI = join(REPO_ROOT, "packages", "tooling", "dist", "bin", "lab-status.js");

describe.skipIf(!tools)("lab:status re-verifies the deployed images against the registry now", () => {
  let lab: LabFixture;
  let registry: TestRegistry;
  let key: TestKey;
  let outputs: { publicKey: string; signatureFormat: string; sbomFormat: string; images: Record<string, object> };

  function status() {
    return execa(process.execPath, [STATUS_CLI], {
      input: JSON.stringify(outputs),
      env: { ...registry.credentials(alice), LAB_COSIGN: tools!.cosign, LAB_SKOPEO: tools!.skopeo, PATH: process.env.PATH },
      extendEnv: false,
      reject: false,
    });
  }

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    registry = await lab.startRegistry([alice]);
    const auth = registry.credentials(alice);
    key = await generateKey(tools!, "pw");
    const images: Record<string, object> = {};
    for (const name of ["studentbook", "team/api"]) {
      const digestRef = await lab.pushStudentbook(registry, name, auth);
      await sign(tools!, digestRef, key, auth);
      const predicate = join(lab.tempDir("sbom"), "sbom.spdx.json");
      writeFileSync(predicate, JSON.stringify({ spdxVersion: "SPDX-2.3", packages: [{}, {}] }));
      await runStepOrThrow(
        "cosign attest",
        attestStep({
          ref: digestRef,
          keyRef: PRIVATE_KEY_FROM_ENV,
          predicateFile: predicate,
          sbomFormat: "spdx-json",
          sbomSha256: fileSha256(predicate),
          format: "legacy",
          cosign: tools!.cosign,
        }),
        { ...signerEnv(key), ...auth },
      );
      images[name] = { digestRef, taggedRef: `${registry.endpoint}/${name}:1.0`, attestedRef: digestRef, sbomPackageCount: 2 };
    }
    outputs = { publicKey: key.publicKeyPem, signatureFormat: "legacy", sbomFormat: "spdx-json", images };
  });
  afterAll(() => lab?.cleanup());

  it("prints a table and exits 0 when everything is as deployed", async () => {
    const result = await status();
    console.log(result.stdout);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^studentbook\s+sha256:\S+\s+yes\s+same\s+yes\s+yes\s+2$/m);
    expect(result.stdout).toMatch(/^team\/api\s+sha256:\S+\s+yes\s+same\s+yes\s+yes\s+2$/m);
    expect(result.stdout).toContain("all images as deployed");
  });

  it("the drift probe finds the signature and attestation cosign pushed, by manifest requests only", async () => {
    const studentbook = outputs.images.studentbook as { digestRef: string };
    expect(await probeArtifacts(studentbook.digestRef, "legacy", alice)).toEqual({ signature: true, attestation: true, attachment: false });
    expect(await probeArtifacts(studentbook.digestRef, "legacy", { username: "alice", password: "wrong" })).toEqual({});
  });

  it("exits non-zero when a tag was moved to another image", async () => {
    const moved = await lab.pushChangedImage(
      `${registry.endpoint}/team/api:1.0`,
      `${registry.endpoint}/team/api:1.0`,
      registry.credentials(alice),
    );
    const result = await status();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`team/api: tag ${registry.endpoint}/team/api:1.0 now points to ${moved.split("@")[1]}`);
    expect(result.stdout).toMatch(/^studentbook\s+.*same\s+yes\s+yes/m);
  });

  it("exits non-zero when a signature was deleted from the registry", async () => {
    const studentbook = outputs.images.studentbook as { digestRef: string };
    await runStepOrThrow(
      "cosign clean",
      cleanStep({ ref: studentbook.digestRef, type: "signature", cosign: tools!.cosign }),
      registry.credentials(alice),
    );
    const result = await status();
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^studentbook\s+\S+\s+yes\s+same\s+NO\s+yes\s+2$/m);
    expect(result.stdout).toMatch(/studentbook: signature: .*no signatures found/);
    expect(await probeArtifacts(studentbook.digestRef, "legacy", alice)).toEqual({
      signature: false,
      attestation: true,
      attachment: false,
    });
  });

  it("exits 2 on outputs of a stack that is not up", async () => {
    const result = await execa(process.execPath, [STATUS_CLI], { input: "{}", reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("is the lab up?");
  });

  it("reads outputs that arrive late on a pipe, as `pulumi stack output | lab-status` sends them", async () => {
    // execa (imported by the CLI) made a blocking read of fd 0 fail with EAGAIN on an empty pipe.
    const result = await execa("sh", ["-c", `(sleep 1; echo '{}') | "$0" "$1"`, process.execPath, STATUS_CLI], { reject: false });
    expect(result.stderr).not.toContain("EAGAIN");
    expect(result.stderr).toContain("is the lab up?");
    expect(result.exitCode).toBe(2);
  });

  it("leaves nothing behind", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
