import { createTreeWithEmptyWorkspace } from "@nx/devkit/testing";
import { parseLabConfig } from "@signed-image-lab/tooling";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import environmentGenerator from "./generator.js";
import { planEnvironment } from "./environment-config.js";

/** The written stack config as the lab program would read it (objects as JSON strings). */
function asRawConfig(yamlText: string): Record<string, string> {
  const { config } = parse(yamlText) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k.replace(/^signed-image-lab:/, ""), typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

describe("environment generator", () => {
  it("writes Pulumi.<name>.yaml with documented defaults that the lab's schema accepts", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await environmentGenerator(tree, { name: "staging" });
    const yamlText = tree.read("Pulumi.staging.yaml", "utf-8") ?? "";
    expect(yamlText).toMatch(/^# Environment "staging" of the signed-image lab/);
    const raw = asRawConfig(yamlText);
    expect(raw).toMatchObject({ registryPort: "5001", appPort: "8090", sbomFormat: "spdx-json", signatureFormat: "legacy" });
    const config = parseLabConfig("signed-image-lab", { ...raw, cosignPassword: "set-later" }, new Set(["cosignPassword"]));
    expect(config.images).toEqual([{ name: "studentbook", tag: "1.0", context: "packages/studentbook", dockerfile: "Dockerfile" }]);
  });

  it("takes ports, several images and registry users, keeping every secret out of the file", async () => {
    const tree = createTreeWithEmptyWorkspace();
    const printNextSteps = await environmentGenerator(tree, {
      name: "team-a",
      registryPort: 5003,
      appPort: 8091,
      images: "studentbook=packages/studentbook, team/api=services/api",
      authUsers: "alice,bob",
    });
    const yamlText = tree.read("Pulumi.team-a.yaml", "utf-8") ?? "";
    const raw = asRawConfig(yamlText);
    expect(JSON.parse(raw.images ?? "[]").map((i: { name: string; context: string }) => `${i.name}=${i.context}`)).toEqual([
      "studentbook=packages/studentbook",
      "team/api=services/api",
    ]);
    expect(yamlText).not.toMatch(/password|registryAuth|cosignPassword/);
    expect(typeof printNextSteps).toBe("function");
  });

  it("prints the secret-setting next steps for each user and the key password", () => {
    const plan = planEnvironment({ name: "team-a", authUsers: "alice" });
    expect(plan.nextSteps).toEqual(
      expect.arrayContaining([
        "npm run lab:pulumi -- config set --secret cosignPassword --stack team-a   # the cosign key's password",
        "npm run lab:pulumi -- config set --secret --path 'registryAuth.users[0].password' --stack team-a   # alice's password",
        "LAB_STACK=team-a npm run lab:up",
      ]),
    );
  });

  it("writes the README's Vault example: kmsUri and vaultAddress in the file, the token only as a secret to set", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await environmentGenerator(tree, {
      name: "signer",
      keySource: "kms",
      kmsUri: "hashivault://lab",
      vaultAddress: "https://vault.example.com:8200",
    });
    const yaml = tree.read("Pulumi.signer.yaml", "utf-8") ?? "";
    expect(yaml).toContain("kmsUri: hashivault://lab");
    expect(yaml).toContain("signed-image-lab:vaultAddress: https://vault.example.com:8200");
    expect(yaml).not.toMatch(/vaultToken|cosignPassword/);
    const steps = planEnvironment({
      name: "signer",
      keySource: "kms",
      kmsUri: "hashivault://lab",
      vaultAddress: "https://vault.example.com:8200",
    }).nextSteps;
    expect(steps).toContainEqual(expect.stringContaining("npm run lab:pulumi -- config set --secret vaultToken --stack signer"));
    expect(steps.join("\n")).not.toContain("cosignPassword");
  });

  it("refuses to overwrite an existing environment", async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write("Pulumi.prod.yaml", "config: {}\n");
    await expect(environmentGenerator(tree, { name: "prod" })).rejects.toThrow(/Pulumi.prod.yaml exists already/);
    expect(tree.read("Pulumi.prod.yaml", "utf-8")).toBe("config: {}\n");
  });

  it.each([
    [{ name: "qa", registryPort: 70000 }, /signed-image-lab:registryPort: must be 1 to 65535/],
    [{ name: "qa", appPort: 5001 }, /signed-image-lab:appPort: must differ from registryPort/],
    [{ name: "staging", registryPort: 5002 }, /signed-image-lab:registryPort: must differ from promotion\.registryPort's default \(5002\)/],
    [{ name: "qa", images: "Not Valid=x" }, /signed-image-lab:images\[0\]\.name: must be a lower-case repository name/],
    [{ name: "qa", keySource: "kms" as const }, /signed-image-lab:signingKey\.kmsUri: required when signingKey.source is kms/],
    [
      { name: "qa", keySource: "kms" as const, kmsUri: "hashivault://lab" },
      /signed-image-lab:vaultAddress: required for hashivault:\/\/lab/,
    ],
    [{ name: "qa", authUsers: "a:b" }, /registryAuth\.users\[0\]\.username: must not contain ':'/],
    [{ name: "bad name" }, /name: "bad name" is not a valid stack name/],
  ])("rejects %o with an error naming the key", async (options, message) => {
    const tree = createTreeWithEmptyWorkspace();
    await expect(environmentGenerator(tree, options)).rejects.toThrow(message);
    expect(tree.exists(`Pulumi.${options.name}.yaml`)).toBe(false);
  });
});
