import { readFileSync } from "node:fs";

/** A Go-installed tool pinned by module path and version. */
export interface PinnedGoTool {
  readonly version: string;
  readonly module: string;
}

/** The pins in `tools/versions.json`, the one place that names tool versions. */
export interface ToolVersions {
  readonly cosign: PinnedGoTool;
  readonly syft: PinnedGoTool;
  readonly pulumi: { readonly version: string };
  readonly pulumiCommand: { readonly version: string };
  readonly debianSuite: string;
}

/** Reads `tools/versions.json`. */
export function readToolVersions(): ToolVersions {
  return JSON.parse(readFileSync(new URL("../../versions.json", import.meta.url), "utf8")) as ToolVersions;
}
