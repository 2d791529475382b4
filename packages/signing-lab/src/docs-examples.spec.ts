import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_DIR, type PackageSchema } from "../scripts/infer-schema.mjs";

// docs/use-from-your-program.md shows the Python and YAML programs the engine acceptance specs run
// (examples/python, examples/yaml): the doc's blocks must be those files, and the YAML program may
// use only components and inputs the committed schema has.
const REPO_ROOT = join(PACKAGE_DIR, "..", "..");
const doc = readFileSync(join(REPO_ROOT, "docs", "use-from-your-program.md"), "utf8");
const schema = JSON.parse(readFileSync(join(PACKAGE_DIR, "schema.json"), "utf8")) as PackageSchema;

/** The fenced block after `<!-- example: NAME (FILE) -->`. */
function docBlock(name: string): string | undefined {
  return new RegExp(`<!-- example: ${name} \\([^)]+\\) -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
}

describe("the programs of docs/use-from-your-program.md", () => {
  it("shows examples/python/__main__.py as it is", () => {
    expect(docBlock("python-program")).toBe(readFileSync(join(REPO_ROOT, "examples", "python", "__main__.py"), "utf8"));
  });

  it("shows examples/yaml/Pulumi.yaml as it is", () => {
    expect(docBlock("yaml-program")).toBe(readFileSync(join(REPO_ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8"));
  });

  it("the YAML program uses only the schema's components and their top-level inputs", () => {
    const program = readFileSync(join(REPO_ROOT, "examples", "yaml", "Pulumi.yaml"), "utf8");
    const resources = [...program.matchAll(/^ {4}type: (\S+)\n {4}properties:\n((?: {6}.*\n)+)/gm)];
    expect(resources.map(([, token]) => token)).toEqual([
      "signing-lab:index:Registry",
      "signing-lab:index:SigningKey",
      "signing-lab:index:SigningPipeline",
      "signing-lab:index:VerifiedContainer",
    ]);
    for (const [, token, body] of resources) {
      const inputs = Object.keys(schema.resources[token ?? ""]?.inputProperties ?? {});
      const used = [...(body ?? "").matchAll(/^ {6}(\w+):/gm)].map(([, key]) => key);
      expect(
        used.filter((key) => !inputs.includes(key ?? "")),
        token,
      ).toEqual([]);
    }
  });

  it("the Python program imports the generated SDK by the name pulumi package add prints (the acceptance spec checks the print)", () => {
    expect(docBlock("python-program")).toContain("import signed_image_lab_signing_lab as signing_lab\n");
  });
});
