import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAB_CONFIG_KEYS, LabConfigError, parseLabConfig, type RawConfig } from "./lab-config.js";

const NS = "signed-image-lab";
const BASE: RawConfig = { cosignPassword: "pw" };
const SECRET = new Set(["cosignPassword", "registryAuth", "cosignPrivateKey"]);

function parse(raw: RawConfig, secretKeys: ReadonlySet<string> = SECRET) {
  return parseLabConfig(NS, { ...BASE, ...raw }, secretKeys);
}

function problemsOf(raw: RawConfig, secretKeys: ReadonlySet<string> = SECRET): readonly string[] {
  try {
    parse(raw, secretKeys);
  } catch (error) {
    if (error instanceof LabConfigError) return error.problems;
    throw error;
  }
  throw new Error("config was accepted");
}

describe("parseLabConfig", () => {
  it("fills the seed's defaults with its errata fixed", () => {
    const config = parse({});
    expect(config.registryPort).toBe(5001);
    expect(config.appPort).toBe(8090);
    expect(config.registryImage).toBe("registry:2");
    expect(config.image).toEqual({ name: "studentbook", tag: "1.0", context: "packages/studentbook", dockerfile: "Dockerfile" });
    expect(config.sbomFormat).toBe("spdx-json");
    expect(config.sbomScope).toBe("all-layers");
    expect(config.signatureFormat).toBe("legacy");
    expect(config.signingKey.source).toBe("generate");
    expect(config.registryAuth.enabled).toBe(false);
  });

  it("leaves transparency off by default and reads the TSA's port and image", () => {
    expect(parse({}).transparency).toBe("off");
    expect(parse({}).timestampAuthority).toEqual({ port: 3030, image: "signed-image-lab/timestamp-authority:v2.1.5" });
    const config = parse({ transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 3061 }) });
    expect(config.transparency).toBe("timestamps");
    expect(config.timestampAuthority.port).toBe(3061);
  });

  it("names transparency when it cannot work: legacy format, an unknown mode, a TSA or log port taken", () => {
    expect(problemsOf({ transparency: "timestamps" })).toEqual([
      `${NS}:transparency: timestamps needs signatureFormat: bundle (cosign signs with a timestamp only in the bundle format)`,
    ]);
    expect(problemsOf({ transparency: "rekor" })[0]).toMatch(new RegExp(`^${NS}:transparency: Invalid option: expected one of "off"\\|"timestamps"\\|"timestamps\\+log"`));
    expect(parse({ transparency: "timestamps+log", signatureFormat: "bundle" }).transparencyLog).toEqual({ port: 3031, image: "signed-image-lab/rekor-tiles:v2.3.0" });
    expect(problemsOf({ transparency: "timestamps+log", signatureFormat: "bundle", transparencyLog: JSON.stringify({ port: 3030 }) })).toEqual([
      `${NS}:transparencyLog.port: must differ from registryPort (5001) and appPort (8090) and timestampAuthority.port (3030)`,
    ]);
    expect(problemsOf({ transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 8090 }) })).toEqual([
      `${NS}:timestampAuthority.port: must differ from registryPort (5001) and appPort (8090)`,
    ]);
    expect(problemsOf({ timestampAuthority: JSON.stringify({ port: 3061, tls: true }) })[0]).toMatch(/timestampAuthority: unknown key\(s\) tls/);
  });

  it("pins the TSA and log images that tools/versions.json pins and local-images.sh builds", () => {
    const versions = JSON.parse(readFileSync(join(import.meta.dirname, "../../../../tools/versions.json"), "utf8")) as {
      timestampAuthority: { image: string };
      rekorTiles: { image: string };
    };
    expect(parse({}).timestampAuthority.image).toBe(versions.timestampAuthority.image);
    expect(parse({}).transparencyLog.image).toBe(versions.rekorTiles.image);
  });

  it("reads numbers, booleans and objects as Pulumi stores them (strings, JSON)", () => {
    const config = parse({
      registryPort: "5002",
      runApp: "false",
      registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice", password: "s3cret" }] }),
    });
    expect(config.registryPort).toBe(5002);
    expect(config.runApp).toBe(false);
    expect(config.registryAuth.users).toEqual([{ username: "alice", password: "s3cret" }]);
  });

  it.each([
    ["a port out of range", { registryPort: "70000" }, "signed-image-lab:registryPort: must be 1 to 65535"],
    ["a port that is no number", { appPort: "http" }, "signed-image-lab:appPort:"],
    ["the app on the registry's port", { appPort: "5001" }, "signed-image-lab:appPort: must differ from registryPort (5001)"],
    [
      "auth on with no users",
      { registryAuth: JSON.stringify({ enabled: true, users: [] }) },
      "signed-image-lab:registryAuth.users: needs at least one user when registryAuth.enabled is true",
    ],
    [
      "a user without password",
      { registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice" }] }) },
      "signed-image-lab:registryAuth.users[0].password: required (set it with --secret)",
    ],
    [
      "a user name with a colon",
      { registryAuth: JSON.stringify({ enabled: true, users: [{ username: "a:b", password: "x" }] }) },
      "signed-image-lab:registryAuth.users[0].username: must not contain ':'",
    ],
    ["an unknown SBOM format", { sbomFormat: "spdx-tag-value" }, "signed-image-lab:sbomFormat:"],
    ["an unknown key source", { signingKey: JSON.stringify({ source: "yubikey" }) }, "signed-image-lab:signingKey.source:"],
    ["a KMS source without URI", { signingKey: JSON.stringify({ source: "kms" }) }, "signed-image-lab:signingKey.kmsUri: required when signingKey.source is kms"],
    ["a bad KMS URI", { signingKey: JSON.stringify({ source: "kms", kmsUri: "vault:lab" }) }, "signed-image-lab:signingKey.kmsUri: must be a cosign KMS URI"],
    ["an imported key that is missing", { signingKey: JSON.stringify({ source: "config" }) }, "signed-image-lab:cosignPrivateKey: required when signingKey.source is config"],
    ["an existing image pinned by tag", { existingImageRef: "localhost:5001/studentbook:1.0" }, "signed-image-lab:existingImageRef: must be pinned by digest"],
    ["TLS asked of an existing registry", { existingRegistry: "r:5000", registryTls: "true" }, "signed-image-lab:registryTls: makes a CA for the lab's own registry"],
    ["a CA file without an existing registry", { registryCaFile: "/ca.crt" }, "signed-image-lab:registryCaFile: is for an existingRegistry"],
    [
      "a Vault key without address and token",
      { signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }) },
      "signed-image-lab:vaultAddress: required for hashivault://lab",
    ],
    ["a Vault address that is no URL", { signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }), vaultAddress: "vault:8200", vaultToken: "t" }, "signed-image-lab:vaultAddress: must be an http(s) URL"],
    ["a vault dev server without its token", { vaultDevServer: "{}" }, "signed-image-lab:vaultToken: required with vaultDevServer"],
    [
      "a vault dev server beside another key source",
      { vaultDevServer: "{}", vaultToken: "t", signingKey: JSON.stringify({ source: "kms", kmsUri: "awskms://k" }) },
      "signed-image-lab:signingKey: must not be set with vaultDevServer",
    ],
    ["a typo in a key", { registryPrt: "5001" }, "signed-image-lab:: unknown key(s) registryPrt"],
    ["a config object that is not JSON", { image: "{name: x" }, "signed-image-lab:image: must be an object"],
    ["both image and images", { image: "{}", images: JSON.stringify([{ name: "web" }]) }, "signed-image-lab:images: set either image or images, not both"],
    ["an empty images list", { images: "[]" }, "signed-image-lab:images: needs at least one image"],
    ["a one-letter repository", { images: JSON.stringify([{ name: "x" }]) }, "signed-image-lab:images[0].name: must have at least two characters"],
  ])("rejects %s, naming the key", (_what, raw, expected) => {
    expect(problemsOf(raw).join("\n")).toContain(expected);
  });

  it("lists every problem at once", () => {
    expect(problemsOf({ registryPort: "0", sbomFormat: "x" })).toHaveLength(2);
  });

  it("wants a password for a generated key", () => {
    expect(() => parseLabConfig(NS, {}, SECRET)).toThrow(/cosignPassword: required when signingKey.source is generate/);
  });

  it("refuses secrets stored in plain text", () => {
    const problems = problemsOf(
      { registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice", password: "x" }] }) },
      new Set(["cosignPassword"]),
    );
    expect(problems).toContain("signed-image-lab:registryAuth: holds a secret and must be set with --secret");
    expect(problemsOf({}, new Set())).toContain("signed-image-lab:cosignPassword: holds a secret and must be set with --secret");
  });

  it("exposes every top-level key for the stack reader and the docs", () => {
    expect(LAB_CONFIG_KEYS).toEqual(expect.arrayContaining(["registryPort", "registryAuth", "sbomFormat", "signingKey", "existingRegistry"]));
  });
});
