import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFakeTools } from "../../test-support/fake-tools.js";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";
import { requiredTool, toolProblems } from "./tool-check.js";

const ALL = ["docker", "cosign", "syft", "oras", "skopeo", "curl", "node", "bao"] as const;
const tools = () => ALL.map((name) => requiredTool(name));
const fakeDir = (overrides: Record<string, string> = {}, only: readonly string[] = ALL) =>
  writeFakeTools(mkdtempSync(join(tmpdir(), "tool-check-")), only, overrides);

describe("toolProblems: the machine's tools before anything is created", () => {
  it("finds nothing wrong when every tool is there at its pinned version", () => {
    expect(toolProblems(tools(), fakeDir())).toEqual([]);
  });

  it("names a missing tool with its pinned version and the go install that obtains it", () => {
    const problems = toolProblems(tools(), fakeDir({}, ["docker", "syft", "oras", "skopeo", "curl", "node", "bao"]));
    expect(problems).toEqual([
      `cosign ${PINNED_VERSIONS.cosign.version}: 'cosign' not found on PATH; obtain it: go install ${PINNED_VERSIONS.cosign.module}@${PINNED_VERSIONS.cosign.version}`,
    ]);
  });

  it("refuses a cosign of another version, saying which it found", () => {
    const dir = fakeDir({ cosign: 'printf "GitVersion:    v2.6.4\\n"' });
    expect(toolProblems(tools(), dir)).toEqual([
      expect.stringMatching(
        new RegExp(`^cosign ${PINNED_VERSIONS.cosign.version}: ${dir}/cosign reports v2\\.6\\.4; obtain the pinned one: go install`),
      ),
    ]);
  });

  it("syft's go install sets the version its release build reports", () => {
    const problems = toolProblems(tools(), fakeDir({}, ["docker", "cosign", "oras", "skopeo", "curl", "node", "bao"]));
    expect(problems[0]).toContain(`-ldflags "-X main.version=${PINNED_VERSIONS.syft.version.replace(/^v/, "")}"`);
  });

  it("says when docker is there but no daemon answers", () => {
    const dir = fakeDir({ docker: "exit 1" });
    expect(toolProblems([requiredTool("docker")], dir)).toEqual([
      `docker: no Docker daemon answers (${dir}/docker); install Docker (Debian: apt-get install docker.io) and start its daemon`,
    ]);
  });

  it("takes a configured path instead of a name on PATH", () => {
    const dir = fakeDir();
    expect(toolProblems([requiredTool("cosign", join(dir, "cosign"))], "")).toEqual([]);
    expect(toolProblems([requiredTool("cosign", join(dir, "no-such-cosign"))], "")[0]).toMatch(
      /^cosign v\S+: '.*\/no-such-cosign' no executable there; obtain it: go install /,
    );
  });
});
