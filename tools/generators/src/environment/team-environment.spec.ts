import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { parseLabConfig } from "@signed-image-lab/tooling";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planEnvironment } from "./environment-config.js";
import environmentGenerator from "./generator.js";

const TEAM = {
  name: "shared",
  mode: "team",
  existingRegistry: "registry.example.internal:5443",
  registryCaFile: "certs/registry-ca.crt",
  authUsers: "alice,bob",
  kmsUri: "hashivault://lab-signer",
  vaultAddress: "https://vault.example.internal:8200",
} as const;

/** The written stack config as the lab program would read it (objects as JSON strings). */
function asRawConfig(yamlText: string): Record<string, string> {
  const { config } = parse(yamlText) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k.replace(/^signed-image-lab:/, ""), typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** The secrets the next steps set, as the program would read them. */
const SECRETS = {
  vaultToken: "set-later",
  registryAuth: JSON.stringify({
    enabled: true,
    users: [
      { username: "alice", password: "p1" },
      { username: "bob", password: "p2" },
    ],
  }),
};

describe("environment generator, --mode team", () => {
  it("git ignores every Pulumi.<stack>.yaml of the repository, not Pulumi.yaml", () => {
    const root = join(__dirname, "../../../..");
    const ignored = (path: string) => {
      try {
        execFileSync("git", ["check-ignore", "-q", "--no-index", path], { cwd: root });
        return true;
      } catch {
        return false;
      }
    };
    expect(["Pulumi.dev.yaml", "Pulumi.bench.yaml", "Pulumi.staging.yaml", "Pulumi.newcomer.yaml"].filter((p) => !ignored(p))).toEqual([]);
    expect(ignored("Pulumi.yaml")).toBe(false);
  });

  it("lets the committed team stack through the .gitignore that ignores every other stack file", async () => {
    const tree = createTreeWithEmptyWorkspace();
    const gitignore = readFileSync(join(__dirname, "../../../../.gitignore"), "utf8");
    tree.write(".gitignore", gitignore);
    await environmentGenerator(tree, TEAM);
    await environmentGenerator(tree, { name: "dev2" });
    const written = tree.read(".gitignore", "utf-8") ?? "";
    expect(written).toBe(`${gitignore}!/Pulumi.shared.yaml\n`);
    expect(written.split("\n").filter((line) => line === "!/Pulumi.shared.yaml")).toHaveLength(1);
  });

  it("writes a team environment that the lab's schema accepts once its secrets are set", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await environmentGenerator(tree, TEAM);
    const yamlText = tree.read("Pulumi.shared.yaml", "utf-8") ?? "";
    const raw = asRawConfig(yamlText);
    expect(raw).toMatchObject({
      existingRegistry: TEAM.existingRegistry,
      registryCaFile: TEAM.registryCaFile,
      vaultAddress: TEAM.vaultAddress,
    });
    expect(raw.registryPort).toBeUndefined();
    const config = parseLabConfig("signed-image-lab", { ...raw, ...SECRETS }, new Set(Object.keys(SECRETS)));
    expect(config.signingKey).toEqual({ source: "kms", kmsUri: TEAM.kmsUri });
    expect(config.existingRegistry).toBe(TEAM.existingRegistry);
    expect(config.registryAuth.users.map((u) => u.username)).toEqual(["alice", "bob"]);
    // The file alone is not enough: the Vault token is a secret the next steps set.
    expect(() => parseLabConfig("signed-image-lab", raw, new Set())).toThrow(
      /signed-image-lab:vaultToken: required for hashivault:\/\/lab-signer/,
    );
  });

  it("keeps the backend, its password, the passphrase and every secret out of the file", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await environmentGenerator(tree, TEAM);
    const yamlText = tree.read("Pulumi.shared.yaml", "utf-8") ?? "";
    expect(yamlText).not.toMatch(/postgres|PGPASSWORD|passphrase|BACKEND|password|vaultToken|registryAuth|cosignPassword/i);
  });

  it("prints the environment to export and the secrets to set, with no password in the backend URL", () => {
    const plan = planEnvironment(TEAM);
    const backend = plan.environment.find((line) => line.startsWith("export PULUMI_BACKEND_URL="));
    expect(backend).toMatch(/^export PULUMI_BACKEND_URL='postgres:\/\/<role>@<host>:5432\/<database>\?sslmode=verify-full'/);
    expect(plan.environment.some((line) => line.startsWith("export PGPASSWORD="))).toBe(true);
    expect(plan.environment.some((line) => line.startsWith("export PULUMI_CONFIG_PASSPHRASE_FILE="))).toBe(true);
    expect(plan.nextSteps).toEqual(
      expect.arrayContaining([
        "npm run lab:pulumi -- stack init shared --secrets-provider passphrase",
        "npm run lab:pulumi -- config set --secret vaultToken --stack shared   # a Vault token that may sign with hashivault://lab-signer",
        "npm run lab:pulumi -- config set --secret --path 'registryAuth.users[1].password' --stack shared   # bob's password",
      ]),
    );
    expect(plan.nextSteps.join("\n")).not.toMatch(/cosignPassword/);
    expect(planEnvironment({ name: "solo" }).environment).toEqual([]);
  });

  it("has no schema default for keySource: Nx would pass `generate` and refuse every --mode team", () => {
    const schema = JSON.parse(readFileSync(join(__dirname, "schema.json"), "utf8")) as {
      properties: Record<string, { default?: unknown }>;
    };
    expect(schema.properties.keySource).toBeDefined();
    expect(schema.properties.keySource!.default).toBeUndefined();
    expect(schema.properties.mode!.default).toBe("local");
  });

  it.each([
    [{ existingRegistry: undefined }, /^existingRegistry: required with --mode team/],
    [{ authUsers: "" }, /^authUsers: required with --mode team/],
    [{ kmsUri: "awskms:///alias/lab" }, /^kmsUri: --mode team signs with a key in Vault/],
    [{ keySource: "generate" as const }, /^keySource: must be kms with --mode team/],
    [{ vaultAddress: undefined }, /^vaultAddress: required with --mode team/],
    [{ existingRegistry: "registry.example.internal/path" }, /signed-image-lab:existingRegistry: must be host\[:port\] \(a DNS name/],
    [{ vaultAddress: "vault.example.internal:8200" }, /signed-image-lab:vaultAddress: must be an http\(s\) URL/],
  ])("rejects a team environment with %o, naming the option or key", async (change, message) => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(environmentGenerator(tree, { ...TEAM, ...change })).rejects.toThrow(message);
    expect(tree.exists("Pulumi.shared.yaml")).toBe(false);
  });
});
