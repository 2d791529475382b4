import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";

const bare = (version: string) => version.replace(/^v/, "");

// tools/scripts/test-engine.sh decides what of the engine acceptance suite this machine can run:
// nothing without the CLI, its Node.js host and the two plugins; the Python and YAML programs
// only where their language hosts are. Stand-ins for the engine pieces and for npx show what it
// would run, without running the suite.
const SCRIPT = resolve(import.meta.dirname, "../../../../../tools/scripts/test-engine.sh");

function standIns(names: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), "test-engine-"));
  const scripts: Record<string, string> = {
    pulumi: [
      "#!/bin/sh",
      'case "$1" in',
      `  version) echo ${PINNED_VERSIONS.pulumi.version} ;;`,
      `  plugin) printf "NAME KIND VERSION\\ncommand resource ${bare(PINNED_VERSIONS.pulumiCommand.version)}\\ndocker resource ${bare(PINNED_VERSIONS.pulumiDocker.version)}\\n" ;;`,
      "esac",
    ].join("\n"),
    npx: ["#!/bin/sh", 'echo "npx $*"', 'echo "excluded: [$LAB_ACCEPTANCE_EXCLUDE]"'].join("\n"),
  };
  for (const name of names) writeFileSync(join(bin, name), scripts[name] ?? "#!/bin/sh\n", { mode: 0o755 });
  return bin;
}
const bins: string[] = [];
afterAll(() => {
  for (const bin of bins) rmSync(bin, { recursive: true, force: true });
});

/** PATH without any folder holding real engine pieces, so only the stand-ins count. */
function systemPath(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !/engine|\.tools|pulumi/.test(dir))
    .join(delimiter);
}

async function testEngine(pieces: string[]): Promise<string> {
  const bin = standIns(["npx", ...pieces]);
  bins.push(bin);
  const { stdout } = await promisify(execFile)("bash", [SCRIPT], { env: { PATH: systemPath(), LAB_ENGINE_BIN: bin, HOME: bin } });
  return stdout;
}

describe("npm run test:engine", () => {
  it("runs nothing and claims nothing without the Node.js language host", async () => {
    const out = await testEngine(["pulumi"]);
    expect(out).toContain("engine acceptance suite NOT RUN (nothing is claimed): missing\n  - pulumi-language-nodejs (not on PATH)");
    expect(out).not.toContain("npx ");
  });

  it("leaves out the Python and YAML programs, saying NOT RUN for each, where their hosts are missing", async () => {
    const out = await testEngine(["pulumi", "pulumi-language-nodejs"]);
    expect(out).toContain("the python program over the component package NOT RUN (nothing is claimed): pulumi-language-python not on PATH");
    expect(out).toContain("the yaml program over the component package NOT RUN (nothing is claimed): pulumi-language-yaml not on PATH");
    expect(out).toContain("excluded: [acceptance/python-program.acceptance.ts acceptance/yaml-program.acceptance.ts]");
    expect(out).toContain("npx nx run @signed-image-lab/e2e:acceptance");
  });

  it("runs them where the hosts are on PATH", async () => {
    const out = await testEngine(["pulumi", "pulumi-language-nodejs", "pulumi-language-python", "pulumi-language-yaml"]);
    expect(out).not.toContain("NOT RUN");
    expect(out).toContain("excluded: []");
  });
});
