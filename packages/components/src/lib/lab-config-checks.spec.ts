import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseLabConfig } from "./lab-config.js";
import { checkLabConfig, checkLabConfigPaths, pathKeysOfRaw } from "./lab-config-checks.js";

const NS = "signed-image-lab";
const root = mkdtempSync(join(tmpdir(), "config-checks-"));
mkdirSync(join(root, "app"));
writeFileSync(join(root, "app", "Dockerfile"), "FROM scratch\n");
mkdirSync(join(root, "no-dockerfile"));
writeFileSync(join(root, "ca.crt"), "-----BEGIN CERTIFICATE-----\n");
writeFileSync(join(root, "a-file"), "");
writeFileSync(join(root, "tool"), "#!/bin/sh\n");
chmodSync(join(root, "tool"), 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const parsed = (raw: Record<string, string>) => parseLabConfig(NS, { cosignPassword: "pw", ...raw }, new Set(["cosignPassword"]));

describe("checkLabConfig", () => {
  it("finds nothing wrong with a config whose paths are all there", () => {
    expect(checkLabConfig(parsed({ image: JSON.stringify({ name: "app", context: "app" }) }), root)).toEqual([]);
  });

  it("names image.context for a build context that is no folder, and image.dockerfile for a missing Dockerfile", () => {
    expect(checkLabConfig(parsed({ image: JSON.stringify({ name: "app", context: "nowhere" }) }), root)).toEqual([
      `${NS}:image.context: no folder ${join(root, "nowhere")} (the build context, relative to ${root})`,
    ]);
    expect(checkLabConfig(parsed({ image: JSON.stringify({ name: "app", context: "a-file" }) }), root)[0]).toMatch(
      /^signed-image-lab:image\.context: no folder/,
    );
    expect(checkLabConfig(parsed({ image: JSON.stringify({ name: "app", context: "no-dockerfile" }) }), root)).toEqual([
      `${NS}:image.dockerfile: no file ${join(root, "no-dockerfile", "Dockerfile")} (the Dockerfile, relative to the context)`,
    ]);
  });

  it("lists every problem in one pass, each with its key: images, CA files, workDir, tools", () => {
    const config = parsed({
      images: JSON.stringify([
        { name: "app", context: "app" },
        { name: "api", context: "gone" },
        { name: "web", context: "app", dockerfile: "Web.Dockerfile" },
      ]),
      existingRegistry: "registry.example.com",
      registryCaFile: "missing-ca.crt",
      promotion: JSON.stringify({ existingRegistry: "prod.example.com", registryCaFile: "ca.crt" }),
      workDir: "a-file",
      tools: JSON.stringify({ cosign: "/nowhere/cosign", syft: join(root, "tool"), skopeo: "skopeo" }),
    });
    expect(checkLabConfig(config, root).map((p) => p.split(": ")[0])).toEqual([
      `${NS}:images[1].context`,
      `${NS}:images[2].dockerfile`,
      `${NS}:registryCaFile`,
      `${NS}:workDir`,
      `${NS}:tools.cosign`,
    ]);
  });

  it("looks at no build source for an existing image the lab signs", () => {
    const ref = `localhost:5001/app@sha256:${"a".repeat(64)}`;
    expect(checkLabConfig(parsed({ existingImageRef: ref, image: JSON.stringify({ name: "app", context: "gone" }) }), root)).toEqual([]);
  });
});

describe("pathKeysOfRaw", () => {
  it("reads the path keys of a config the schema refused, so their problems are listed beside the schema's", () => {
    const raw = { registryPort: "99999", image: JSON.stringify({ context: "gone" }), tools: "{not json", workDir: "a-file" };
    expect(() => parsed(raw)).toThrow(/registryPort/);
    expect(checkLabConfigPaths(pathKeysOfRaw(raw), root, NS).map((p) => p.split(": ")[0])).toEqual([
      `${NS}:image.context`,
      `${NS}:workDir`,
    ]);
    expect(checkLabConfigPaths(pathKeysOfRaw({ image: "[1]", images: '"x"' }), root, NS)[0]).toMatch(
      /^signed-image-lab:image\.context: no folder .*packages\/studentbook/,
    );
  });
});

describe("lab-config-check (what lab.sh up runs before the engine)", () => {
  const BIN = join(import.meta.dirname, "../../dist/bin/lab-config-check.js");
  const check = (config: Record<string, { value: string; secret?: boolean }>) =>
    new Promise<{ code: number; stderr: string }>((done) => {
      const child = execFile(process.execPath, [BIN, "--project-root", root], (error, _stdout, stderr) =>
        done({ code: error ? Number(error.code) : 0, stderr }),
      );
      child.stdin?.end(JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${NS}:${k}`, v]))));
    });

  it("lists every problem of a stack's config, schema and paths, with its key", async () => {
    const result = await check({ registryPort: { value: "99999" }, image: { value: JSON.stringify({ name: "app", context: "gone" }) } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `lab: invalid lab config:\n  ${NS}:registryPort: must be 1 to 65535\n  ${NS}:image.context: no folder ${join(root, "gone")} (the build context, relative to ${root})\n`,
    );
  });

  it("passes a good config, no stack yet, and a cosignPassword lab.sh is about to generate; refuses a secret in plain text", async () => {
    expect(await check({ image: { value: JSON.stringify({ name: "app", context: "app" }) } })).toEqual({ code: 0, stderr: "" });
    expect(
      await check({ image: { value: JSON.stringify({ name: "app", context: "app" }) }, cosignPassword: { value: "pw", secret: true } }),
    ).toEqual({
      code: 0,
      stderr: "",
    });
    const plain = await check({ image: { value: JSON.stringify({ name: "app", context: "app" }) }, cosignPassword: { value: "pw" } });
    expect(plain.stderr).toContain(`${NS}:cosignPassword: holds a secret and must be set with --secret`);
  });
});
