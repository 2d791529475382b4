import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readToolPins } from "../lib/operations/preflight.js";

/** The pins of packages/tooling/versions.json (and the docker provider's of infra/package.json) the stand-ins report. */
export const FAKE_TOOL_PINS = readToolPins();
const { cosign, syft, oras, pulumi, pulumiCommand, pulumiDocker } = FAKE_TOOL_PINS;
const bare = (version: string) => version.replace(/^v/, "");

/** What each stand-in prints for its version command (and `docker info`, `pulumi plugin ls`). */
export const FAKE_TOOL_SCRIPTS: Record<string, string> = {
  docker: 'case "$1" in --version) echo "Docker version 24.0.7, build afdd53b";; info) exit 0;; esac',
  skopeo: "exit 0",
  curl: "exit 0",
  go: 'echo "go version go1.26.8 linux/amd64"',
  cosign: `printf "GitVersion:    ${cosign.version}\\nPlatform: linux/amd64\\n"`,
  syft: `printf "Application: syft\\nVersion:     ${bare(syft.version)}\\n"`,
  oras: `printf "Version:    ${bare(oras.version)}\\nGo version: go1.26.8\\n"`,
  pulumi: `case "$1" in version) echo ${pulumi.version};; plugin) printf "NAME KIND VERSION\\ncommand  resource  ${bare(pulumiCommand.version)}  49 MB\\ndocker   resource  ${bare(pulumiDocker.version)}  86 MB\\n";; esac`,
  "pulumi-language-nodejs": `echo ${pulumi.version}`,
};

/** Writes `#!/bin/sh` stand-ins for `tools` (with overrides) into `dir`; returns `dir`. */
export function writeFakeTools(dir: string, tools: readonly string[], overrides: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of tools) {
    writeFileSync(join(dir, tool), `#!/bin/sh\n${overrides[tool] ?? FAKE_TOOL_SCRIPTS[tool] ?? "exit 0"}\n`, { mode: 0o755 });
  }
  return dir;
}
