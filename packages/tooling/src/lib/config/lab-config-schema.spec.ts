import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_BASE_IMAGE,
  LAB_CONFIG_KEYS,
  LAB_DEFAULT_PORTS,
  LAB_DEFAULTS,
  LAB_PORT_KEYS,
  LabConfigError,
  needsCosignPassword,
  parseLabConfig,
  type RawConfig,
} from "./lab-config-schema.js";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";

const NS = "signed-image-lab";
const BASE: RawConfig = { cosignPassword: "pw" };
const SECRET = new Set(["cosignPassword", "registryAuth", "cosignPrivateKey", "vaultToken"]);

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
    expect(config.registryImage).toBe(PINNED_VERSIONS.images.registry);
    expect(config.registryImage).toMatch(/^registry:[\w.-]+@sha256:[a-f0-9]{64}$/);
    expect(config.baseImage).toBe(PINNED_VERSIONS.images.nodeBase);
    expect(config.baseImage).toMatch(/^node:[\w.-]+@sha256:[a-f0-9]{64}$/);
    expect(config.image).toEqual({ name: "studentbook", tag: "1.0", context: "packages/studentbook", dockerfile: "Dockerfile" });
    expect(config.sbomFormat).toBe("spdx-json");
    expect(config.sbomScope).toBe("all-layers");
    expect(config.signatureFormat).toBe("legacy");
    expect(config.signingKey.source).toBe("generate");
    expect(config.registryAuth.enabled).toBe(false);
  });

  it("pins the default base image in studentbook's Dockerfile to the same digest as the schema", () => {
    const dockerfile = readFileSync(resolve(import.meta.dirname, "../../../../studentbook/Dockerfile"), "utf8");
    expect(dockerfile).toContain(`ARG BASE_IMAGE=${DEFAULT_BASE_IMAGE}\n`);
  });

  it("leaves transparency off by default and reads the TSA's port and image", () => {
    expect(parse({}).transparency).toBe("off");
    expect(parse({}).timestampAuthority).toEqual({ port: 3030, image: PINNED_VERSIONS.timestampAuthority.image });
    const config = parse({ transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 3061 }) });
    expect(config.transparency).toBe("timestamps");
    expect(config.timestampAuthority.port).toBe(3061);
  });

  it("names transparency when it cannot work: legacy format, an unknown mode, a TSA or log port taken", () => {
    expect(problemsOf({ transparency: "timestamps" })).toEqual([
      `${NS}:transparency: timestamps needs signatureFormat: bundle (cosign signs with a timestamp only in the bundle format)`,
    ]);
    expect(problemsOf({ transparency: "rekor" })[0]).toMatch(
      new RegExp(`^${NS}:transparency: Invalid option: expected one of "off"\\|"timestamps"\\|"timestamps\\+log"`),
    );
    expect(parse({ transparency: "timestamps+log", signatureFormat: "bundle" }).transparencyLog).toEqual({
      port: 3031,
      image: PINNED_VERSIONS.rekorTiles.image,
    });
    expect(
      problemsOf({ transparency: "timestamps+log", signatureFormat: "bundle", transparencyLog: JSON.stringify({ port: 3030 }) }),
    ).toEqual([`${NS}:transparencyLog.port: must differ from timestampAuthority.port (3030)`]);
    expect(
      problemsOf({ transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 8090 }) }),
    ).toEqual([`${NS}:timestampAuthority.port: must differ from appPort (8090)`]);
    expect(problemsOf({ timestampAuthority: JSON.stringify({ port: 3061, tls: true }) })[0]).toBe(
      `${NS}:timestampAuthority.tls: unknown key`,
    );
  });

  it("knows every published port's default as the parsed config has it, each a different port", () => {
    const config = parse({
      transparency: "timestamps+log",
      signatureFormat: "bundle",
      vaultDevServer: "{}",
      vaultToken: "t",
      cosignPassword: undefined,
      promotion: "{}",
    });
    const at = (key: string) => key.split(".").reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], config);
    expect(Object.fromEntries(LAB_PORT_KEYS.map((key) => [key, at(key)]))).toEqual(LAB_DEFAULT_PORTS);
    expect(new Set(Object.values(LAB_DEFAULT_PORTS)).size).toBe(LAB_PORT_KEYS.length);
  });

  it("pins the TSA and log images that packages/tooling/versions.json pins and local-images.sh builds", () => {
    const versions = JSON.parse(readFileSync(join(import.meta.dirname, "../../../versions.json"), "utf8")) as {
      timestampAuthority: { image: string };
      rekorTiles: { image: string };
    };
    expect(parse({}).timestampAuthority.image).toBe(versions.timestampAuthority.image);
    expect(parse({}).transparencyLog.image).toBe(versions.rekorTiles.image);
  });

  it("reads numbers, booleans and objects as Pulumi stores them (strings, JSON)", () => {
    const config = parse({
      registryPort: "5003",
      runApp: "false",
      registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice", password: "s3cret" }] }),
    });
    expect(config.registryPort).toBe(5003);
    expect(config.runApp).toBe(false);
    expect(config.registryAuth.users).toEqual([{ username: "alice", password: "s3cret" }]);
  });

  it.each([
    ["a port out of range", { registryPort: "70000" }, "signed-image-lab:registryPort: must be 1 to 65535"],
    ["a port that is no number", { appPort: "http" }, "signed-image-lab:appPort:"],
    ["the app on the registry's port", { appPort: "5001" }, "signed-image-lab:appPort: must differ from registryPort (5001)"],
    [
      "the registry on the promotion registry's default port (another stack's)",
      { registryPort: "5002" },
      "signed-image-lab:registryPort: must differ from promotion.registryPort's default (5002): another stack's promotion registry uses it",
    ],
    [
      "the app on the timestamp authority's default port",
      { appPort: "3030" },
      "signed-image-lab:appPort: must differ from timestampAuthority.port's default (3030): another stack's timestamp authority uses it",
    ],
    [
      "the promotion registry on the registry's default port",
      { registryPort: "5011", promotion: JSON.stringify({ registryPort: 5001 }) },
      "signed-image-lab:promotion.registryPort: must differ from registryPort's default (5001): another stack's registry uses it",
    ],
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
    [
      "a KMS source without URI",
      { signingKey: JSON.stringify({ source: "kms" }) },
      "signed-image-lab:signingKey.kmsUri: required when signingKey.source is kms",
    ],
    [
      "a bad KMS URI",
      { signingKey: JSON.stringify({ source: "kms", kmsUri: "vault:lab" }) },
      "signed-image-lab:signingKey.kmsUri: must be a cosign KMS URI",
    ],
    [
      "an imported key that is missing",
      { signingKey: JSON.stringify({ source: "config" }) },
      "signed-image-lab:cosignPrivateKey: required when signingKey.source is config",
    ],
    [
      "an existing image pinned by tag",
      { existingImageRef: "localhost:5001/studentbook:1.0" },
      "signed-image-lab:existingImageRef: must be pinned by digest",
    ],
    [
      "TLS asked of an existing registry",
      { existingRegistry: "r:5000", registryTls: "true" },
      "signed-image-lab:registryTls: makes a CA for the lab's own registry",
    ],
    [
      "a CA file without an existing registry",
      { registryCaFile: "/ca.crt" },
      "signed-image-lab:registryCaFile: is for an existingRegistry",
    ],
    [
      "a Vault key without address and token",
      { signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }) },
      "signed-image-lab:vaultAddress: required for hashivault://lab",
    ],
    [
      "a Vault address that is no URL",
      { signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }), vaultAddress: "vault:8200", vaultToken: "t" },
      "signed-image-lab:vaultAddress: must be an http(s) URL",
    ],
    ["a vault dev server without its token", { vaultDevServer: "{}" }, "signed-image-lab:vaultToken: required with vaultDevServer"],
    [
      "a vault dev server beside another key source",
      { vaultDevServer: "{}", vaultToken: "t", signingKey: JSON.stringify({ source: "kms", kmsUri: "awskms://k" }) },
      "signed-image-lab:signingKey: must not be set with vaultDevServer",
    ],
    ["a typo in a key", { registryPrt: "5001" }, "signed-image-lab:registryPrt: unknown key"],
    [
      "a typo in a nested key",
      { signingKey: JSON.stringify({ source: "generate", kmsUrl: "x" }) },
      "signed-image-lab:signingKey.kmsUrl: unknown key",
    ],
    ["a config object that is not JSON", { image: "{name: x" }, "signed-image-lab:image: must be an object"],
    [
      "both image and images",
      { image: "{}", images: JSON.stringify([{ name: "web" }]) },
      "signed-image-lab:images: set either image or images, not both",
    ],
    ["an empty images list", { images: "[]" }, "signed-image-lab:images: needs at least one image"],
    [
      "a one-letter repository",
      { images: JSON.stringify([{ name: "x" }]) },
      "signed-image-lab:images[0].name: must have at least two characters",
    ],
  ])("rejects %s, naming the key", (_what, raw, expected) => {
    expect(problemsOf(raw).join("\n")).toContain(expected);
  });

  const VAULT_KEY = {
    signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab" }),
    vaultToken: "t",
    cosignPassword: undefined,
  };
  it.each([
    ["a hex port", { registryPort: "0x1389" }, "signed-image-lab:registryPort: must be a port: digits only"],
    ["a port in exponent form", { appPort: "1e3" }, "signed-image-lab:appPort: must be a port: digits only"],
    ["a registry host with a quote", { existingRegistry: 'evil"host:5000' }, "signed-image-lab:existingRegistry: must be host[:port]"],
    ["a registry host with a scheme", { existingRegistry: "https://r.example" }, "signed-image-lab:existingRegistry: must be host[:port]"],
    ["a registry port out of range", { existingRegistry: "r.example:70000" }, "signed-image-lab:existingRegistry: must be host[:port]"],
    ["an image that reads as a flag", { registryImage: "--privileged" }, "signed-image-lab:registryImage: must be an image reference"],
    ["a base image with a shell character", { baseImage: "node;id" }, "signed-image-lab:baseImage: must be an image reference"],
    [
      "an existing image in another registry than the lab's",
      { existingRegistry: "r.example:5000", existingImageRef: `evil.example/app@sha256:${"1".repeat(64)}`, runApp: "false" },
      "signed-image-lab:existingImageRef: must be in the lab's registry r.example:5000, not evil.example",
    ],
    [
      "an existing image beside the lab's own registry on another port",
      { existingImageRef: `localhost:6000/app@sha256:${"1".repeat(64)}` },
      "signed-image-lab:existingImageRef: must be in the lab's registry localhost:5001",
    ],
    [
      "a plain-http Vault off this machine",
      { ...VAULT_KEY, vaultAddress: "http://vault.example.com:8200" },
      "signed-image-lab:vaultAddress: must be https (plain http only to a loopback host",
    ],
    [
      "a Vault URL with user info",
      { ...VAULT_KEY, vaultAddress: "https://root:tok@vault.example.com" },
      "signed-image-lab:vaultAddress: must be scheme://host[:port][/path] without user info",
    ],
    [
      "the vault dev server on the app's port",
      { vaultDevServer: JSON.stringify({ port: 8090 }), vaultToken: "t", cosignPassword: undefined },
      "signed-image-lab:vaultDevServer.port: must differ from appPort (8090)",
    ],
    [
      "the vault dev server on the registry's port",
      { vaultDevServer: JSON.stringify({ port: 5001 }), vaultToken: "t", cosignPassword: undefined },
      "signed-image-lab:vaultDevServer.port: must differ from registryPort (5001)",
    ],
    [
      "a public key PEM that is only its header",
      { verifyPublicKey: "-----BEGIN PUBLIC KEY-----" },
      "signed-image-lab:verifyPublicKey: must be one PUBLIC KEY PEM block that parses",
    ],
    [
      "a public key PEM with a garbage body",
      { verifyPublicKey: "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n" },
      "signed-image-lab:verifyPublicKey: must be one PUBLIC KEY PEM block",
    ],
    [
      "a private key PEM that is only header text",
      { signingKey: JSON.stringify({ source: "config" }), cosignPrivateKey: `-----BEGIN ENCRYPTED SIGSTORE ${"PRIVATE"} KEY-----` },
      "signed-image-lab:cosignPrivateKey: must be one ENCRYPTED SIGSTORE (or COSIGN) PRIVATE KEY PEM block",
    ],
    [
      "a tool path that reads as a flag",
      { tools: JSON.stringify({ cosign: "--help" }) },
      "signed-image-lab:tools.cosign: must be a command name or path",
    ],
    [
      "a tool path with a space",
      { tools: JSON.stringify({ syft: "/opt/x; id" }) },
      "signed-image-lab:tools.syft: must be a command name or path",
    ],
    ["a work folder with a newline", { workDir: "a\nb" }, "signed-image-lab:workDir: must not contain control characters"],
    ["a work folder that reads as a flag", { workDir: "-o" }, "signed-image-lab:workDir: must not start with '-'"],
    [
      "a 10 kB CA file path",
      { existingRegistry: "r.example", registryCaFile: "a".repeat(10_240) },
      "signed-image-lab:registryCaFile: must be at most 1024 characters",
    ],
    [
      "a registry password bcrypt would cut",
      { registryAuth: JSON.stringify({ enabled: true, users: [{ username: "alice", password: "x".repeat(73) }] }) },
      "signed-image-lab:registryAuth.users[0].password: must be at most 72 bytes",
    ],
  ])("refuses %s by its grammar, naming the key", (_what, raw, expected) => {
    expect(problemsOf(raw as RawConfig).join("\n")).toContain(expected);
  });

  it("accepts what the grammar allows: IPv6 and named registries, digest-pinned images, https and loopback-http Vault", () => {
    const ref = `[::1]:5000/team/app@sha256:${"1".repeat(64)}`;
    expect(parse({ existingRegistry: "[::1]:5000", existingImageRef: ref, runApp: "false" }).existingImageRef).toBe(ref);
    expect(parse({ registryImage: `registry:2@sha256:${"2".repeat(64)}` }).registryImage).toContain("@sha256:");
    expect(parse({ ...VAULT_KEY, vaultAddress: "https://vault.example.com:8200" }).vaultAddress).toBe("https://vault.example.com:8200");
    expect(parse({ ...VAULT_KEY, vaultAddress: "http://127.0.0.1:8200" }).vaultAddress).toBe("http://127.0.0.1:8200");
    expect(parse({ registryPort: "5001", appPort: "5001", runApp: "false" }).appPort).toBe(5001);
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
    expect(LAB_CONFIG_KEYS).toEqual(
      expect.arrayContaining(["registryPort", "registryAuth", "sbomFormat", "signingKey", "existingRegistry"]),
    );
  });
});

describe("LAB_DEFAULTS", () => {
  it("is what the schema fills in: components and the generator that take it get the schema's defaults", () => {
    const config = parse({});
    const { signingKeySource, vaultDevServer, promotion, ...topLevel } = LAB_DEFAULTS;
    expect(config).toMatchObject(topLevel);
    expect(config.signingKey.source).toBe(signingKeySource);
    const withVault = parseLabConfig(NS, { vaultDevServer: "{}", vaultToken: "t" }, SECRET);
    expect(withVault.vaultDevServer).toEqual(vaultDevServer);
  });

  it("takes its images from packages/tooling/versions.json", () => {
    expect(LAB_DEFAULTS.registryImage).toBe(PINNED_VERSIONS.images.registry);
    expect(LAB_DEFAULTS.baseImage).toBe(PINNED_VERSIONS.images.nodeBase);
    expect(LAB_DEFAULTS.vaultDevServer.image).toBe(PINNED_VERSIONS.images.vaultDevServer);
  });
});

describe("needsCosignPassword", () => {
  it("is true exactly when the schema requires cosignPassword", () => {
    const cases: RawConfig[] = [
      {},
      { signingKey: JSON.stringify({ source: "config" }), cosignPrivateKey: undefined },
      { signingKey: JSON.stringify({ source: "kms", kmsUri: "awskms:///alias/lab" }) },
      { vaultDevServer: "{}", vaultToken: "t" },
    ];
    for (const raw of cases) {
      const withoutPassword = { ...raw };
      const problems = (() => {
        try {
          parseLabConfig(NS, withoutPassword, SECRET);
          return [];
        } catch (error) {
          if (error instanceof LabConfigError) return error.problems;
          throw error;
        }
      })();
      const required = problems.some((p) => p.startsWith(`${NS}:cosignPassword: required`));
      const signingKey = JSON.parse(raw.signingKey ?? '{"source":"generate"}') as { source: string };
      expect(needsCosignPassword({ signingKey, vaultDevServer: raw.vaultDevServer }), JSON.stringify(raw)).toBe(required);
    }
  });
});
