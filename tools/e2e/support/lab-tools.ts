import { findBinary } from "@signed-image-lab/tooling";
import { delimiter, join, resolve } from "node:path";

/** Paths of the binaries the end-to-end specs drive. */
export interface LabTools {
  readonly cosign: string;
  readonly syft: string;
  readonly skopeo: string;
  readonly docker: string;
  readonly curl: string;
  readonly node: string;
  /** The lab's containers/image policy verifier (tools/policy-check). */
  readonly policyCheck: string;
  /** oras, the copy tool of promotion between registries. */
  readonly oras: string;
}

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

/** Where the bootstrap installs pinned tools (`tools/bootstrap/signing-tools.sh`). */
export const PROJECT_BIN = join(REPO_ROOT, ".tools", "bin");

function which(name: string): string | undefined {
  return findBinary(name, [PROJECT_BIN, ...(process.env.PATH ?? "").split(delimiter)]);
}

/**
 * Finds every tool, or says which are missing. Outside CI a spec that lacks a tool skips with
 * a printed reason; in CI (CI=true) a missing tool is a failure, so nothing skips silently.
 */
export function findLabTools(): { tools?: LabTools; missing: string[] } {
  const binaries: Record<keyof LabTools, string> = {
    cosign: "cosign",
    syft: "syft",
    skopeo: "skopeo",
    docker: "docker",
    curl: "curl",
    node: "node",
    policyCheck: "lab-policy-check",
    oras: "oras",
  };
  const found = Object.fromEntries(Object.entries(binaries).map(([key, binary]) => [key, which(binary)]));
  const missing = Object.entries(binaries)
    .filter(([key]) => !found[key])
    .map(([, binary]) => binary);
  return missing.length === 0 ? { tools: found as unknown as LabTools, missing } : { missing };
}

/**
 * The tools, or `undefined` (with the reason printed) when a tool is missing outside CI.
 * Throws in CI: `.ci/run` installs every tool, so a missing one is a broken CI.
 */
export function labToolsOrSkip(specName: string): LabTools | undefined {
  const { tools, missing } = findLabTools();
  if (tools) return tools;
  const reason = `${specName}: missing ${missing.join(", ")}; run tools/bootstrap/*.sh (see README)`;
  if (process.env.CI) {
    throw new Error(`CI must have every tool. ${reason}`);
  }
  console.warn(`SKIPPED ${reason}`);
  return undefined;
}
