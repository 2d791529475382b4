import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What each stand-in prints for its version command (and `docker info`, `pulumi plugin ls`). */
export const FAKE_TOOL_SCRIPTS: Record<string, string> = {
  docker: 'case "$1" in --version) echo "Docker version 24.0.7, build afdd53b";; info) exit 0;; esac',
  skopeo: "exit 0",
  curl: "exit 0",
  go: 'echo "go version go1.26.8 linux/amd64"',
  cosign: 'printf "GitVersion:    v3.1.2\\nPlatform: linux/amd64\\n"',
  syft: 'printf "Application: syft\\nVersion:     1.57.0\\n"',
  oras: 'printf "Version:    1.3.6\\nGo version: go1.26.8\\n"',
  pulumi: 'case "$1" in version) echo v3.248.0;; plugin) printf "NAME KIND VERSION\\ncommand  resource  1.2.1  49 MB\\ndocker   resource  5.2.0  86 MB\\n";; esac',
  "pulumi-language-nodejs": "echo v3.248.0",
};

/** Writes `#!/bin/sh` stand-ins for `tools` (with overrides) into `dir`; returns `dir`. */
export function writeFakeTools(dir: string, tools: readonly string[], overrides: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of tools) {
    writeFileSync(join(dir, tool), `#!/bin/sh\n${overrides[tool] ?? FAKE_TOOL_SCRIPTS[tool] ?? "exit 0"}\n`, { mode: 0o755 });
  }
  return dir;
}
