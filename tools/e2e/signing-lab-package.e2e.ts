import { execa } from "execa";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exportedComponentNames, inferSchema } from "../../packages/signing-lab/scripts/infer-schema.mjs";
import { installTarballs, packPackages } from "./support/consumer-project.js";
import { SIGNING_LAB_PACKAGE } from "./support/language-program.js";

// The component package as a team gets it from a registry: its tarball holds what the plugin host
// loads (dist) and what the schema analyzer reads (src, tsconfig.json, PulumiPlugin.yaml), and
// installed outside the repository it infers the same schema as in the workspace.
let files: string[];
let installed: string;

beforeAll(async () => {
  const { stdout } = await execa("npm", ["pack", "--dry-run", "--json"], { cwd: SIGNING_LAB_PACKAGE });
  files = ((JSON.parse(stdout) as { files: { path: string }[] }[])[0]?.files ?? []).map((f) => f.path);
  const out = mkdtempSync(join(tmpdir(), "sil-signing-lab-tgz-"));
  const packed = await execa("npm", ["pack", "--json", "--pack-destination", out], { cwd: SIGNING_LAB_PACKAGE });
  const [tarball] = JSON.parse(packed.stdout) as { filename: string }[];
  const project = await installTarballs(await packPackages(), undefined, {
    dependencies: { "@signed-image-lab/signing-lab": `file:${join(out, tarball?.filename ?? "")}` },
  });
  installed = join(project, "node_modules", "@signed-image-lab", "signing-lab");
}, 600_000);

describe("the signing-lab component package's tarball", () => {
  it("ships the plugin manifest, the built entry, the sources and tsconfig the analyzer reads, and the schema", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "PulumiPlugin.yaml",
        "package.json",
        "tsconfig.json",
        "schema.json",
        "LICENSE",
        "CHANGELOG.md",
        "dist/index.js",
        "src/index.ts",
        "src/lib/signing-lab.ts",
        "src/lib/schema-types.ts",
      ]),
    );
    expect(files.filter((f) => /\.spec\.ts$|\.map$|^scripts\//.test(f))).toEqual([]);
  });

  it("has a tsconfig that reaches nothing outside the package (no extends)", () => {
    const tsconfig = JSON.parse(readFileSync(join(installed, "tsconfig.json"), "utf8")) as Record<string, unknown>;
    expect(tsconfig.extends).toBeUndefined();
  });

  it("installed outside the repository, serves the seven components and infers the committed schema", async () => {
    const names = await exportedComponentNames(installed);
    expect(names).toHaveLength(7);
    expect(inferSchema(names, installed)).toEqual(JSON.parse(readFileSync(join(SIGNING_LAB_PACKAGE, "schema.json"), "utf8")));
  });
});
