import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAKE_TOOL_PINS, FAKE_TOOL_SCRIPTS, writeFakeTools } from "../../test-support/fake-tools.js";
import { inspectMachine, planPreflight, renderPreflight, type MachineFacts, type PreflightRow, type ToolPins } from "./preflight.js";

// The pins the stand-in tools report (packages/tooling/versions.json), with a release of our own.
const PINS: ToolPins = {
  ...FAKE_TOOL_PINS,
  cosign: {
    version: FAKE_TOOL_PINS.cosign.version,
    releases: { "linux-amd64": { url: "https://example.invalid/cosign-linux-amd64", sha256: "a".repeat(64) } },
  },
};
const COSIGN = PINS.cosign.version;
const SYFT = PINS.syft.version.replace(/^v/, "");
const PULUMI = PINS.pulumi.version;
const root = mkdtempSync(join(tmpdir(), "preflight-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const READY: MachineFacts = {
  node: "v20.20.2",
  platform: "linux-amd64",
  docker: { path: "/usr/bin/docker", version: "24.0.7", daemon: true },
  skopeo: { path: "/usr/bin/skopeo" },
  curl: { path: "/usr/bin/curl" },
  go: { path: "/usr/local/go/bin/go", version: "1.26.8" },
  cosign: { path: "/repo/.tools/bin/cosign", version: COSIGN },
  syft: { path: "/repo/.tools/bin/syft", version: SYFT },
  oras: { path: "/repo/.tools/bin/oras", version: PINS.oras.version.replace(/^v/, "") },
  pulumi: { path: "/repo/.tools/bin/pulumi", version: PULUMI },
  languageHost: { path: "/repo/.tools/bin/pulumi-language-nodejs", version: PULUMI },
  plugins: { command: true, docker: true },
};
const row = (rows: PreflightRow[], tool: string) => rows.find((r) => r.tool === tool)!;

describe("planPreflight", () => {
  it("is ready when every tool is there at its pin", () => {
    const rows = planPreflight(READY, PINS);
    expect(rows.every((r) => r.status === "ok")).toBe(true);
    expect(renderPreflight(rows)).toMatch(/\nready$/);
  });

  it("obtains a wrong or missing cosign/syft with Go, else from a pinned release, else stops", () => {
    const withGo = planPreflight({ ...READY, cosign: { path: "/usr/bin/cosign", version: "v2.4.1" }, syft: undefined }, PINS);
    expect(row(withGo, "cosign")).toMatchObject({ status: "obtain", obtain: { kind: "go-install", tool: "cosign" } });
    expect(row(withGo, "syft")).toMatchObject({ status: "obtain", obtain: { kind: "go-install", tool: "syft" } });
    const noGo = planPreflight({ ...READY, go: undefined, cosign: undefined, syft: undefined }, PINS);
    expect(row(noGo, "cosign")).toMatchObject({
      status: "obtain",
      obtain: { kind: "release", release: PINS.cosign.releases!["linux-amd64"] },
    });
    expect(row(noGo, "syft")).toMatchObject({ status: "missing", next: expect.stringContaining("install Go") });
    expect(renderPreflight(noGo)).toMatch(/NOT READY: syft/);
  });

  it("obtains oras, the promotion tool, like syft: with Go, else it is missing (no pinned release)", () => {
    expect(row(planPreflight({ ...READY, oras: { path: "/usr/bin/oras", version: "1.2.0" } }, PINS), "oras")).toMatchObject({
      status: "obtain",
      found: "1.2.0 /usr/bin/oras",
      obtain: { kind: "go-install", tool: "oras" },
    });
    expect(row(planPreflight({ ...READY, go: undefined, oras: undefined }, PINS), "oras")).toMatchObject({
      status: "missing",
      next: expect.stringContaining("install Go"),
    });
  });

  it("names the root command for docker, skopeo and curl, and how to start a daemon that does not answer", () => {
    const rows = planPreflight({ ...READY, docker: undefined, skopeo: undefined }, PINS);
    expect(row(rows, "docker")).toMatchObject({ status: "missing", next: "sudo bash tools/bootstrap/system-packages.sh" });
    expect(row(rows, "skopeo").next).toBe("sudo bash tools/bootstrap/system-packages.sh");
    const stopped = planPreflight({ ...READY, docker: { path: "/usr/bin/docker", daemon: false } }, PINS);
    expect(row(stopped, "docker")).toMatchObject({ status: "missing", found: expect.stringContaining("no daemon answers") });
    expect(row(stopped, "docker").next).toMatch(/start Docker/);
  });

  it("builds the pinned CLI with Go, never an unpinned one, and needs the language host from a release", () => {
    const rows = planPreflight({ ...READY, pulumi: { path: "/usr/bin/pulumi", version: "v3.250.0" }, languageHost: undefined }, PINS);
    expect(row(rows, "pulumi")).toMatchObject({ status: "obtain", obtain: { kind: "go-build-cli" } });
    expect(row(rows, "pulumi-language-nodejs")).toMatchObject({ status: "missing" });
    expect(row(planPreflight({ ...READY, go: undefined, pulumi: undefined }, PINS), "pulumi").status).toBe("missing");
  });

  it("leaves unregistered plugins to the engine's own download, and refuses Node before 20.5", () => {
    const rows = planPreflight({ ...READY, node: "v20.4.0", plugins: { command: false, docker: true } }, PINS);
    expect(row(rows, "plugin command")).toMatchObject({ status: "download" });
    expect(row(rows, "plugin docker").status).toBe("ok");
    expect(row(rows, "node").status).toBe("missing");
  });
});

describe("inspectMachine", () => {
  it("finds .tools/bin before PATH and reads each tool's version and the registered plugins", async () => {
    const projectBin = writeFakeTools(join(root, "project-bin"), ["cosign"]);
    const onPath = writeFakeTools(join(root, "path-a"), Object.keys(FAKE_TOOL_SCRIPTS), { cosign: 'echo "GitVersion: v2.0.0"' });
    const facts = await inspectMachine(projectBin, PINS, onPath, []);
    expect(facts.cosign).toEqual({ path: join(projectBin, "cosign"), version: COSIGN });
    expect(facts.syft?.version).toBe(SYFT);
    expect(facts.oras?.version).toBe(PINS.oras.version.replace(/^v/, ""));
    expect(facts.pulumi?.version).toBe(PULUMI);
    expect(facts.languageHost?.version).toBe(PULUMI);
    expect(facts.docker).toMatchObject({ version: "24.0.7", daemon: true });
    expect(facts.plugins).toEqual({ command: true, docker: true });
    expect(planPreflight(facts, PINS).every((r) => r.status === "ok")).toBe(true);
  });

  it("sees a daemon that does not answer, a plugin at another version, and tools that are not there", async () => {
    const onPath = writeFakeTools(join(root, "path-b"), ["docker", "pulumi"], {
      docker: 'case "$1" in --version) echo "Docker version 24.0.7, build x";; info) exit 1;; esac',
      pulumi: `case "$1" in version) echo ${PULUMI};; plugin) echo "command  resource  1.1.0  49 MB";; esac`,
    });
    const facts = await inspectMachine(join(root, "empty-bin"), PINS, onPath, []);
    expect(facts.docker?.daemon).toBe(false);
    expect(facts.plugins).toEqual({ command: false, docker: false });
    expect(facts.cosign).toBeUndefined();
    expect(facts.go).toBeUndefined();
  });
});
