import { execa } from "execa";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeCounts, dockerInventory, EngineLab, resourcesSummary, type DockerInventory } from "./engine-lab.js";

// The README path under the real Pulumi engine: `npm run lab:up` / `lab:destroy` in a fresh
// clone, then stock cosign, curl and docker judge what it made. tools/scripts/test-engine.sh
// runs this only where pulumi, its Node.js language host and both provider plugins exist.

let lab: EngineLab;
let before: DockerInventory;
const summaries: string[] = [];

function record(what: string, output: string): string {
  const summary = resourcesSummary(output);
  summaries.push(`${what}:\n${summary}`);
  console.log(`--- ${what}\n${summary}`);
  return summary;
}

async function cosign(args: string[]) {
  return execa("cosign", args, { reject: false, all: true, env: { COSIGN_PASSWORD: "" } });
}

async function appAnswers(url: string): Promise<unknown> {
  const response = await fetch(new URL("students", url), { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return response.json();
}

beforeAll(async () => {
  before = await dockerInventory();
  const taken = before.containers.filter((name) => /^(dev|wrongkey|auth|tls)-(registry|studentbook-app)$/.test(name));
  if (taken.length > 0) throw new Error(`a lab is already running here (${taken.join(", ")}): npm run lab:destroy it first`);
  lab = await EngineLab.clone();
});

afterAll(async () => {
  console.log(`\n=== Resources summaries\n${summaries.join("\n\n")}`);
  for (const stack of ["wrongkey", "auth", "tls", "dev"]) await lab?.npm("lab:destroy", stack);
  lab?.remove();
});

describe("the README path under the real Pulumi engine", () => {
  let publicKeyFile: string;
  // biome-ignore lint/suspicious/noExplicitAny: stack outputs are whatever the program exports, read as JSON
  let outputs: Record<string, any>;

  it("lab:up on the default config from a fresh clone: signed, attested, verified by stock cosign, app answering", async () => {
    expect(existsSync(join(lab.root, ".tools"))).toBe(false);
    const up = await lab.npm("lab:up");
    const summary = record("first lab:up", String(up.all));
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    // The preflight obtained the pinned cosign and syft into the clone's own .tools/bin.
    expect(String(up.all)).toMatch(/^cosign\s+v3\.1\.2\s+-\s+obtain/m);
    expect(readdirSync(join(lab.root, ".tools", "bin"))).toEqual(expect.arrayContaining(["cosign", "syft"]));
    expect(summary).toMatch(/\+ \d+ created/);
    expect(String(up.all)).toContain("all images as deployed");
    outputs = await lab.outputs();
    publicKeyFile = join(lab.tempDir("keys"), "lab.pub");
    writeFileSync(publicKeyFile, outputs.publicKey);
    const verify = await cosign(["verify", "--key", publicKeyFile, "--insecure-ignore-tlog", outputs.verifiedRef]);
    expect(verify.exitCode, String(verify.all)).toBe(0);
    const attestation = await cosign([
      "verify-attestation",
      "--key",
      publicKeyFile,
      "--insecure-ignore-tlog",
      "--type",
      "spdxjson",
      outputs.attestedRef,
    ]);
    expect(attestation.exitCode, String(attestation.all)).toBe(0);
    expect(await appAnswers(outputs.appUrl)).toBeInstanceOf(Array);
  });

  it("attests provenance that stock cosign verifies, runs the app from the admitted digest, and passes the policy pack", async () => {
    const image = outputs.images.studentbook;
    expect(image.provenanceRef).toBe(outputs.imageDigestRef);
    expect(outputs.appRef).toBe(outputs.admittedRef);
    const provenance = await cosign([
      "verify-attestation",
      "--key",
      publicKeyFile,
      "--insecure-ignore-tlog",
      "--type",
      "slsaprovenance1",
      image.provenanceRef,
    ]);
    expect(provenance.exitCode, String(provenance.all)).toBe(0);
    const statement = JSON.parse(Buffer.from(JSON.parse(String(provenance.stdout).split("\n")[0]!).payload, "base64").toString("utf8"));
    expect(statement.predicate.runDetails.builder.id).toBe("https://github.com/signed-image-lab/builder@v1");
    // The policy pack over the lab's own stack: every image pinned, the app from a verifiedRef.
    const pack = await lab.pulumi([
      "preview",
      "--stack",
      "dev",
      "--expect-no-changes",
      "--non-interactive",
      "--policy-pack",
      join(lab.root, "packages", "policy-pack"),
      "--policy-pack-config",
      join(lab.root, "packages", "policy-pack", "lab-policy-config.json"),
    ]);
    record("preview --policy-pack on the lab", String(pack.all));
    expect(pack.exitCode, String(pack.all).slice(-3000)).toBe(0);
    expect(String(pack.all)).toContain("signed-image-lab");
  });

  it("changes nothing on a second run: preview --expect-no-changes passes and lab:up reports no change", async () => {
    const preview = await lab.pulumi(["preview", "--expect-no-changes", "--stack", "dev"]);
    expect(preview.exitCode, String(preview.all)).toBe(0);
    const up = await lab.npm("lab:up");
    record("no-op lab:up", String(up.all));
    expect(up.exitCode).toBe(0);
    expect(changeCounts(String(up.all))).toEqual([]);
  });

  it("keeps no secret in plain text in the state file", async () => {
    const password = String((await lab.pulumi(["config", "get", "cosignPassword", "--stack", "dev"])).stdout).trim();
    expect(password.length).toBeGreaterThan(10);
    const state = lab.checkpoint();
    expect(state).not.toContain(password);
    expect(state).not.toMatch(/PRIVATE KEY-----/);
    expect(state).toContain("ciphertext");
  });

  // What a lost artifact re-runs: its step and its verification, the provenance beside the SBOM
  // attestation (cosign clean removes every attestation), and the policy that judges them.
  const healed = { signature: 3, attestation: 5 } as const;
  for (const type of ["signature", "attestation"] as const) {
    it(`heals a deleted ${type}: the next lab:up makes it again, lab:status is clean, then no change`, async () => {
      const clean = await cosign(["clean", "--force", "--type", type, outputs.imageDigestRef]);
      expect(clean.exitCode, String(clean.all)).toBe(0);
      const up = await lab.npm("lab:up");
      const summary = record(`healing lab:up (${type} deleted)`, String(up.all));
      expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
      // Exactly the lost artifact's step and its verification run again.
      expect(summary).toMatch(new RegExp(`\\+-${healed[type]} replaced`));
      expect(String(up.all)).toContain(`drift: ${type} of ${outputs.imageDigestRef} gone`);
      expect(String(up.all)).toContain("all images as deployed");
      const preview = await lab.pulumi(["preview", "--expect-no-changes", "--stack", "dev"]);
      expect(preview.exitCode, String(preview.all)).toBe(0);
    });
  }

  it("rebuilds only the image and what depends on it when the app source changes", async () => {
    const server = join(lab.root, "packages", "studentbook", "src", "server.js");
    writeFileSync(server, `${(await import("node:fs")).readFileSync(server, "utf8")}\n// changed by the engine acceptance suite\n`);
    const preview = await lab.pulumi(["preview", "--json", "--stack", "dev"]);
    const steps = (JSON.parse(String(preview.stdout)) as { steps: { op: string; urn: string }[] }).steps;
    // "read" is the stack reference through which the drift check reads the last outputs.
    const changed = steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => s.urn);
    expect(changed.some((urn) => urn.endsWith("docker:index/image:Image::studentbook"))).toBe(true);
    expect(changed.filter((urn) => /Registry|SigningKey/.test(urn))).toEqual([]);
    expect(
      changed.every((urn) => /SigningPipeline|VerifiedContainer|pulumi:pulumi:Stack::/.test(urn)),
      changed.join("\n"),
    ).toBe(true);
    const up = await lab.npm("lab:up");
    record("lab:up after an app source change", String(up.all));
    expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
    const moved = await lab.outputs();
    expect(moved.imageDigestRef).not.toBe(outputs.imageDigestRef);
    outputs = moved;
  });

  it("fails at verify with a wrong verifyPublicKey and never creates the app container", async () => {
    await lab.pulumi(["stack", "init", "wrongkey", "--secrets-provider", "passphrase"]);
    const keyDir = lab.tempDir("other-key");
    await execa("cosign", ["generate-key-pair", "--output-key-prefix", join(keyDir, "other")], { env: { COSIGN_PASSWORD: "x" } });
    const otherKey = (await import("node:fs")).readFileSync(join(keyDir, "other.pub"), "utf8");
    for (const [key, value] of [
      ["registryPort", "5011"],
      ["appPort", "8091"],
    ])
      await lab.pulumi(["config", "set", key!, value!, "--stack", "wrongkey"]);
    await lab.pulumi(["config", "set", "verifyPublicKey", "--stack", "wrongkey"], { input: otherKey });
    const up = await lab.npm("lab:up", "wrongkey");
    record("lab:up with a wrong verifyPublicKey", String(up.all));
    expect(up.exitCode).not.toBe(0);
    expect(String(up.all)).toMatch(/studentbook-verify[\s\S]*error/);
    expect((await dockerInventory()).containers).not.toContain("wrongkey-studentbook-app");
    const destroy = await lab.npm("lab:destroy", "wrongkey");
    expect(destroy.exitCode, String(destroy.all)).toBe(0);
  });

  it("refuses a bad config value in under 5 s, naming the key, with nothing created", async () => {
    await lab.pulumi(["stack", "init", "badconfig", "--secrets-provider", "passphrase"]);
    await lab.pulumi(["config", "set", "registryPort", "99999", "--stack", "badconfig"]);
    const started = Date.now();
    const up = await lab.pulumi(["up", "--yes", "--stack", "badconfig"]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`--- bad config refused in ${seconds.toFixed(1)} s`);
    expect(up.exitCode).not.toBe(0);
    expect(String(up.all)).toContain("signed-image-lab:registryPort: must be 1 to 65535");
    expect(seconds).toBeLessThan(5);
    const exported = JSON.parse(String((await lab.pulumi(["stack", "export", "--stack", "badconfig"])).stdout)) as {
      deployment?: { resources?: unknown[] };
    };
    expect(exported.deployment?.resources ?? []).toEqual([]);
    await lab.pulumi(["stack", "rm", "--yes", "badconfig"]);
  });

  it("stands up the htpasswd-auth and TLS variants, verified by lab:status", async () => {
    await lab.pulumi(["stack", "init", "auth", "--secrets-provider", "passphrase"]);
    await lab.pulumi(["config", "set", "registryPort", "5021", "--stack", "auth"]);
    await lab.pulumi(["config", "set", "appPort", "8092", "--stack", "auth"]);
    await lab.pulumi(["config", "set", "--path", "registryAuth.enabled", "true", "--stack", "auth"]);
    await lab.pulumi(["config", "set", "--path", "registryAuth.users[0].username", "alice", "--stack", "auth"]);
    await lab.pulumi(["config", "set", "--secret", "--path", "registryAuth.users[0].password", "--stack", "auth"], {
      input: "alice-registry-pw",
    });
    await lab.pulumi(["stack", "init", "tls", "--secrets-provider", "passphrase"]);
    await lab.pulumi(["config", "set", "registryPort", "5031", "--stack", "tls"]);
    await lab.pulumi(["config", "set", "appPort", "8093", "--stack", "tls"]);
    await lab.pulumi(["config", "set", "registryTls", "true", "--stack", "tls"]);
    for (const stack of ["auth", "tls"]) {
      const up = await lab.npm("lab:up", stack);
      record(`lab:up (${stack})`, String(up.all));
      expect(up.exitCode, String(up.all).slice(-3000)).toBe(0);
      expect(String(up.all)).toContain("all images as deployed");
      expect(await appAnswers((await lab.outputs(stack)).appUrl)).toBeInstanceOf(Array);
      const destroy = await lab.npm("lab:destroy", stack);
      record(`lab:destroy (${stack})`, String(destroy.all));
      expect(destroy.exitCode, String(destroy.all)).toBe(0);
    }
    expect(lab.checkpoint("auth")).not.toContain("alice-registry-pw");
  });

  it("lab:destroy leaves no container, volume, network, built image or work file", async () => {
    const destroy = await lab.npm("lab:destroy");
    record("lab:destroy", String(destroy.all));
    expect(destroy.exitCode, String(destroy.all)).toBe(0);
    const after = await dockerInventory();
    expect(after.containers).toEqual(before.containers);
    expect(after.volumes).toEqual(before.volumes);
    expect(after.networks).toEqual(before.networks);
    expect(after.images.filter((i) => !before.images.includes(i))).toEqual([]);
    const workDir = join(lab.root, ".lab");
    const leftFiles = existsSync(workDir) ? readdirSync(workDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
    expect(leftFiles.map((e) => join(e.parentPath, e.name))).toEqual([]);
  });
});
