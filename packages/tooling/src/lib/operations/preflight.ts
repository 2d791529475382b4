import { execa } from "execa";
import { renderTextTable } from "../core/text-table.js";
import { accessSync, constants } from "node:fs";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";
import { delimiter, join } from "node:path";
import type { PinnedRelease } from "../core/release-download.js";

/** What `lab:up` needs at which version, from `versions.json`. */
export interface ToolPins {
  readonly cosign: { readonly version: string; readonly releases?: Readonly<Record<string, PinnedRelease>> };
  readonly syft: { readonly version: string; readonly releases?: Readonly<Record<string, PinnedRelease>> };
  /** The copy tool of promotion between registries. */
  readonly oras: { readonly version: string; readonly releases?: Readonly<Record<string, PinnedRelease>> };
  readonly pulumi: { readonly version: string };
  readonly pulumiCommand: { readonly version: string };
  readonly pulumiDocker: { readonly version: string };
}

/** The pins of the versions.json this package ships. */
export function readToolPins(): ToolPins {
  return PINNED_VERSIONS;
}

/** Whether the Pulumi engine can run here: the CLI, its Node.js language host and both plugins. */
export function engineAvailable(facts: MachineFacts): boolean {
  return Boolean(facts.pulumi && facts.languageHost && facts.plugins.command && facts.plugins.docker);
}

/** A binary found on the machine, with the version it reports (undefined if it reports none). */
export interface FoundTool {
  readonly path: string;
  readonly version?: string;
}

/** What the preflight looked at. */
export interface MachineFacts {
  /** `process.version`, e.g. `v20.20.2`. */
  readonly node: string;
  /** `linux-amd64` and the like: the key of a pinned release. */
  readonly platform: string;
  readonly docker?: FoundTool & { readonly daemon: boolean };
  readonly skopeo?: FoundTool;
  readonly curl?: FoundTool;
  readonly go?: FoundTool;
  readonly cosign?: FoundTool;
  readonly syft?: FoundTool;
  readonly oras?: FoundTool;
  readonly pulumi?: FoundTool;
  readonly languageHost?: FoundTool;
  /** Provider plugins the engine will find: on PATH or registered (`pulumi plugin ls`). */
  readonly plugins: { readonly command: boolean; readonly docker: boolean };
}

/** `ok`: ready; `obtain`: lab:up gets it into .tools/bin; `download`: the engine fetches it; `missing`: stop. */
export type PreflightStatus = "ok" | "obtain" | "download" | "missing";

/** The tools pinned by version that lab:up obtains without root (`tools/bootstrap/signing-tools.sh NAME`). */
export type PinnedTool = "cosign" | "syft" | "oras";

/** How a tool the preflight can obtain is obtained. */
export type ObtainMethod =
  | { readonly kind: "go-install"; readonly tool: PinnedTool }
  | { readonly kind: "release"; readonly tool: PinnedTool; readonly release: PinnedRelease }
  | { readonly kind: "go-build-cli" };

/** One row of the preflight table. */
export interface PreflightRow {
  readonly tool: string;
  readonly pinned: string;
  readonly found: string;
  readonly status: PreflightStatus;
  /** What happens next, or the one command to run. */
  readonly next: string;
  readonly obtain?: ObtainMethod;
}

const ROOT_PACKAGES = "sudo bash tools/bootstrap/system-packages.sh";
const START_DOCKER = "start Docker (sudo systemctl start docker, or sudo bash tools/bootstrap/docker-daemon.sh)";
const bare = (v: string) => v.replace(/^v/, "");

/** A tool pinned by version that lab:up can obtain without root. */
function pinnedToolRow(name: PinnedTool, found: FoundTool | undefined, facts: MachineFacts, pins: ToolPins): PreflightRow {
  const pin = pins[name];
  const base = { tool: name, pinned: pin.version, found: describe(found) };
  if (found && bare(found.version ?? "") === bare(pin.version)) return { ...base, status: "ok", next: "" };
  if (facts.go) {
    return {
      ...base,
      status: "obtain",
      next: `go install ${pin.version} into .tools/bin (minutes on 2 cores)`,
      obtain: { kind: "go-install", tool: name },
    };
  }
  const release = pin.releases?.[facts.platform];
  if (release) {
    return { ...base, status: "obtain", next: `download ${release.url}, sha256 checked`, obtain: { kind: "release", tool: name, release } };
  }
  return {
    ...base,
    status: "missing",
    next: `install Go >= 1.26 (then lab:up builds ${name} ${pin.version}); no pinned ${facts.platform} release`,
  };
}

function describe(found: FoundTool | undefined): string {
  if (!found) return "-";
  return found.version ? `${found.version} ${found.path}` : found.path;
}

/** Decides, from what is on the machine, what lab:up can use, obtain, or must stop for. */
export function planPreflight(facts: MachineFacts, pins: ToolPins): PreflightRow[] {
  const [major = 0, minor = 0] = bare(facts.node).split(".").map(Number);
  const rows: PreflightRow[] = [
    {
      tool: "node",
      pinned: ">= 20.5",
      found: facts.node,
      ...(major > 20 || (major === 20 && minor >= 5)
        ? { status: "ok", next: "" }
        : { status: "missing", next: "install Node.js 20.5 or newer" }),
    },
    facts.docker
      ? facts.docker.daemon
        ? { tool: "docker", pinned: "any", found: describe(facts.docker), status: "ok", next: "" }
        : { tool: "docker", pinned: "any", found: `${describe(facts.docker)} (no daemon answers)`, status: "missing", next: START_DOCKER }
      : { tool: "docker", pinned: "any", found: "-", status: "missing", next: ROOT_PACKAGES },
    ...(["skopeo", "curl"] as const).map(
      (tool): PreflightRow => ({
        tool,
        pinned: "any",
        found: describe(facts[tool]),
        ...(facts[tool] ? { status: "ok" as const, next: "" } : { status: "missing" as const, next: ROOT_PACKAGES }),
      }),
    ),
    pinnedToolRow("cosign", facts.cosign, facts, pins),
    pinnedToolRow("syft", facts.syft, facts, pins),
    pinnedToolRow("oras", facts.oras, facts, pins),
  ];

  const pulumi = pins.pulumi.version;
  if (facts.pulumi && facts.pulumi.version === pulumi) {
    rows.push({ tool: "pulumi", pinned: pulumi, found: describe(facts.pulumi), status: "ok", next: "" });
  } else if (facts.go) {
    rows.push({
      tool: "pulumi",
      pinned: pulumi,
      found: describe(facts.pulumi),
      status: "obtain",
      next: `go build of the CLI ${pulumi} into .tools/bin (about 6 min on 2 cores)`,
      obtain: { kind: "go-build-cli" },
    });
  } else {
    rows.push({
      tool: "pulumi",
      pinned: pulumi,
      found: describe(facts.pulumi),
      status: "missing",
      next: `install Go >= 1.26 (lab:up then builds the CLI), or put pulumi ${pulumi} on PATH`,
    });
  }
  rows.push(
    facts.languageHost
      ? { tool: "pulumi-language-nodejs", pinned: pulumi, found: describe(facts.languageHost), status: "ok", next: "" }
      : {
          tool: "pulumi-language-nodejs",
          pinned: pulumi,
          found: "-",
          status: "missing",
          next: "ships with every Pulumi CLI release; put it beside pulumi or on PATH (offline: PULUMI_LANGUAGE_NODEJS_BIN=… bash tools/engine/build.sh)",
        },
  );
  for (const [name, version] of [
    ["command", pins.pulumiCommand.version],
    ["docker", pins.pulumiDocker.version],
  ] as const) {
    rows.push(
      facts.plugins[name]
        ? { tool: `plugin ${name}`, pinned: bare(version), found: "registered", status: "ok", next: "" }
        : {
            tool: `plugin ${name}`,
            pinned: bare(version),
            found: "-",
            status: "download",
            next: `the engine downloads it on first use (needs internet); offline: PULUMI_RESOURCE_${name.toUpperCase()}_BIN=… bash tools/engine/build.sh`,
          },
    );
  }
  return rows;
}

/** The table people read: one row per tool, then the verdict. */
export function renderPreflight(rows: readonly PreflightRow[]): string {
  const lines = renderTextTable(
    ["tool", "pinned", "found", "status", "next"],
    rows.map((r) => [r.tool, r.pinned, r.found, r.status, r.next]),
  );
  const missing = rows.filter((r) => r.status === "missing");
  const obtained = rows.filter((r) => r.status === "obtain").map((r) => r.tool);
  lines.push(
    "",
    missing.length > 0
      ? `NOT READY: ${missing.map((r) => r.tool).join(", ")} (see "next")`
      : `ready${obtained.length > 0 ? ` (lab:up obtains ${obtained.join(", ")} first)` : ""}`,
  );
  return lines.join("\n");
}

// --- looking at the machine -------------------------------------------------------------------

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in `dirs`. */
export function findBinary(name: string, dirs: readonly string[]): string | undefined {
  return dirs.map((dir) => join(dir, name)).find(executable);
}

async function output(path: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await execa(path, args, { reject: false, timeout: 15_000, env, all: true });
  return String(result.all ?? "");
}

/** The version a tool reports, by the shape its `version` command prints. */
const VERSION_PROBES: Record<string, { args: string[]; pattern: RegExp; env?: Record<string, string> }> = {
  cosign: { args: ["version"], pattern: /^GitVersion:\s+(\S+)/m },
  syft: { args: ["version"], pattern: /^Version:\s+(\S+)/m, env: { SYFT_CHECK_FOR_APP_UPDATE: "false" } },
  oras: { args: ["version"], pattern: /^Version:\s+(\S+)/m },
  pulumi: { args: ["version"], pattern: /^(v\d+\.\d+\.\d+\S*)/m },
  "pulumi-language-nodejs": { args: ["-version"], pattern: /^(v\d+\.\d+\.\d+\S*)/m },
  go: { args: ["version"], pattern: /go version go(\S+)/ },
  docker: { args: ["--version"], pattern: /version (\S+?),?\s/ },
};

async function probe(name: string, dirs: readonly string[]): Promise<FoundTool | undefined> {
  const path = findBinary(name, dirs);
  if (!path) return undefined;
  const spec = VERSION_PROBES[name];
  if (!spec) return { path };
  const version = spec.pattern.exec(await output(path, spec.args, spec.env))?.[1];
  return { path, version };
}

function platformKey(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `${process.platform}-${arch}`;
}

/**
 * Looks at the machine: `.tools/bin` of the project first, then PATH (and, for Go, `goDirs`:
 * where Go's own installer puts it). Runs each tool's version command, `docker info` and `pulumi plugin ls`.
 */
export async function inspectMachine(
  projectBin: string,
  pins: ToolPins,
  path = process.env.PATH ?? "",
  goDirs: readonly string[] = ["/usr/local/go/bin"],
): Promise<MachineFacts> {
  const dirs = [projectBin, ...path.split(delimiter).filter(Boolean)];
  const [docker, skopeo, curl, go, cosign, syft, oras, pulumi, languageHost] = await Promise.all(
    ["docker", "skopeo", "curl", "go", "cosign", "syft", "oras", "pulumi", "pulumi-language-nodejs"].map((name) =>
      probe(name, name === "go" ? [...dirs, ...goDirs] : dirs),
    ),
  );
  const daemon = docker ? (await execa(docker.path, ["info"], { reject: false, timeout: 15_000 })).exitCode === 0 : false;
  const plugins = pulumi ? await output(pulumi.path, ["plugin", "ls"], { PULUMI_SKIP_UPDATE_CHECK: "true" }) : "";
  const hasPlugin = (name: string, version: string) =>
    findBinary(`pulumi-resource-${name}`, dirs) !== undefined ||
    new RegExp(`^${name}\\s+resource\\s+${bare(version).replaceAll(".", "\\.")}\\s`, "m").test(plugins);
  return {
    node: process.version,
    platform: platformKey(),
    docker: docker ? { ...docker, daemon } : undefined,
    skopeo,
    curl,
    go,
    cosign,
    syft,
    oras,
    pulumi,
    languageHost,
    plugins: { command: hasPlugin("command", pins.pulumiCommand.version), docker: hasPlugin("docker", pins.pulumiDocker.version) },
  };
}
