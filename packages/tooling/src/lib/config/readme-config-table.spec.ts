import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LAB_CONFIG_KEYS, LAB_DEFAULTS } from "./lab-config-schema.js";
import { configTableProblems, parseConfigTable } from "./readme-config-table.js";

const ROOT = join(import.meta.dirname, "../../../../..");
const CONFIGURATION = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("the configuration tables follow the config schema", () => {
  it("docs/configuration.md has one row per config key, with the schema's defaults and enum values", () => {
    expect(
      parseConfigTable(CONFIGURATION)
        .map((row) => row.key)
        .sort(),
    ).toEqual([...LAB_CONFIG_KEYS].sort());
    expect(configTableProblems(CONFIGURATION)).toEqual([]);
  });

  it("the README's ten most used keys are config keys, with the schema's defaults and enum values", () => {
    expect(parseConfigTable(README, "Configure")).toHaveLength(10);
    expect(configTableProblems(README, undefined, { heading: "Configure", some: true })).toEqual([]);
  });

  it("a partial table still names a key that is none, and a wrong default", () => {
    const stale = README.replace("| `appPort` | `8090` |", "| `appPorts` | `8090` |").replace(
      "| `registryPort` | `5001` |",
      "| `registryPort` | `5000` |",
    );
    expect(configTableProblems(stale, undefined, { heading: "Configure", some: true })).toEqual([
      "appPorts: in the table but not a config key",
      'registryPort: default cell "5000", but the schema\'s default is 5001',
    ]);
  });

  it("names what is wrong in a stale table", () => {
    const stale = CONFIGURATION.replace(/^\| `appPort` \|.*\n/m, "")
      .replace("| `registryPort` | `5001` |", "| `registryPort` | `5000` |")
      .replace("`spdx-json` or `cyclonedx-json`", "`spdx-json`")
      .replace("port: 8200, keyName", "port: 8201, keyName")
      .replace(`| \`baseImage\` | \`${LAB_DEFAULTS.baseImage.slice(0, 30)}`, "| `baseImage` | `node:22-bookworm-slim@sha256:");
    expect(configTableProblems(stale)).toEqual([
      'registryPort: default cell "5000", but the schema\'s default is 5001',
      expect.stringMatching(/^baseImage: default cell "node:22-bookworm-slim@sha256:/),
      "appPort: config key missing from the table",
      "sbomFormat: the row does not name the value cyclonedx-json",
      "vaultDevServer: the row does not name 8200",
    ]);
  });

  it("reads a pipe inside a cell as text, not as a new cell", () => {
    const [row] = parseConfigTable("## Keys\n\n| `vaultDevServer` | — | `{image: a \\| b}` |\n");
    expect(row).toEqual({ key: "vaultDevServer", defaultCell: "—", text: "vaultDevServer | — | {image: a | b}" });
  });
});
