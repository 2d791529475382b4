import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { LAB_CONFIG_KEYS, LAB_DEFAULT_PORTS, LAB_PORT_KEYS, LabConfigError, parseLabConfig } from "../lib/config/lab-config-schema.js";
import { PIPELINE_STEPS } from "../lib/pipeline/pipeline.js";
import { planPreflight, readToolPins } from "../lib/operations/preflight.js";
import { commandProblems, isShellBlock, type CommandFacts } from "./doc-commands.js";
import { backticked, codeBlocks, replaceGenerated, sectionOf, tableRows, withoutCodeBlocks } from "./markdown.js";
import { testingDocBlocks } from "./test-inventory.js";

const ROOT = resolve(import.meta.dirname, "../../../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const README = read("README.md");
const CONFIGURATION = read("docs/configuration.md");

/** README, CHANGELOG and docs/ (the seed's copy is its own text, not ours). */
function docFiles(): string[] {
  return execFileSync("git", ["ls-files", "-co", "--exclude-standard", "README.md", "CHANGELOG.md", "docs"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((f) => f.endsWith(".md") && !f.startsWith("docs/seed/"));
}

/** The cells in backticks of a table column, one per row, without the header. */
const column = (rows: string[][], i: number) => rows.slice(1).map((row) => backticked(row[i] ?? ""));

describe("the README is a newcomer's page", () => {
  it("is at most 250 lines, with no dated run log and no session voice", () => {
    expect(README.split("\n").length).toBeLessThanOrEqual(250);
    expect(README).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(withoutCodeBlocks(README)).not.toMatch(/\b(I|my|this session|we measured)\b/);
  });

  it("links only to files that exist", () => {
    const missing = docFiles().flatMap((file) =>
      [...read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1] ?? "")
        .filter((target) => !/^[a-z]+:/.test(target))
        .map((target) => join(dirname(file), target))
        .filter((target) => !existsSync(join(ROOT, target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(missing).toEqual([]);
  });
});

describe("the stack outputs the docs list are the program's", () => {
  it("docs/configuration.md lists exactly the exports of infra/src/index.ts, in order", () => {
    const exported = [...read("infra/src/index.ts").matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    const rows = tableRows(sectionOf(CONFIGURATION, "Stack outputs"));
    const tables = sectionOf(CONFIGURATION, "Stack outputs").split(/\n\s*\n(?=\|)/);
    const top = tableRows(tables[1] ?? "");
    expect(exported.length).toBeGreaterThan(20);
    expect(column(top, 0).map((names) => names[0])).toEqual(exported);
    expect(rows.length).toBeGreaterThan(top.length);
  });

  it("and per image exactly what SigningLab reports of each image", () => {
    const body =
      /pipelines\.map\(\(\[imageName, pipeline\]\) => \[\s*imageName,\s*\{([\s\S]*?)\n\s*\},/.exec(
        read("packages/components/src/lib/signing-lab.ts"),
      )?.[1] ?? "";
    const reported = [...body.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);
    const tables = sectionOf(CONFIGURATION, "Stack outputs").split(/\n\s*\n(?=\|)/);
    const perImage = tableRows(tables[2] ?? "");
    expect(reported).toContain("provenanceRef");
    expect(column(perImage, 0).map((names) => names[0])).toEqual(reported);
  });
});

describe("the pipeline's steps the docs list are the graph's", () => {
  it("docs/architecture.md's step table has PIPELINE_STEPS in order, with their needs and runs-after", () => {
    const rows = tableRows(sectionOf(read("docs/architecture.md"), "Steps")).slice(1);
    expect(rows.map((row) => [backticked(row[0] ?? "")[0], backticked(row[1] ?? ""), backticked(row[2] ?? "")])).toEqual(
      PIPELINE_STEPS.map((step) => [step.name, [...step.needs], [...(step.after ?? [])]]),
    );
  });
});

describe("the port rule the docs state is the schema's", () => {
  const ports = sectionOf(CONFIGURATION, "Ports");

  it("names every published port with its default", () => {
    expect(LAB_PORT_KEYS.filter((key) => !ports.includes(`\`${key}\` (${LAB_DEFAULT_PORTS[key]})`))).toEqual([]);
  });

  it("quotes the error the schema gives for a port that is another key's default", () => {
    const quoted = /\(`(signed-image-lab:registryPort: [^`]+)`\)/.exec(ports)?.[1];
    let message = "";
    try {
      parseLabConfig("signed-image-lab", { registryPort: "5002", cosignPassword: "pw" }, new Set(["cosignPassword"]));
    } catch (error) {
      message = error instanceof LabConfigError ? error.message : String(error);
    }
    expect(quoted).toBeDefined();
    expect(message).toContain(quoted);
  });
});

describe("the README's prerequisites are the preflight's plan", () => {
  it("names every tool of the plan at its pinned version, and only Go and Docker Hub besides", () => {
    const plan = planPreflight({ node: "v0.0.0", platform: "none", plugins: { command: false, docker: false } }, readToolPins());
    const rows = tableRows(sectionOf(README, "Prerequisites")).slice(1);
    const table = rows.map((row) => [backticked(row[0] ?? "")[0] ?? row[0], row[1]]);
    expect(table.filter(([tool]) => plan.some((p) => p.tool === tool))).toEqual(plan.map((p) => [p.tool, p.pinned]));
    expect(table.map(([tool]) => tool).filter((tool) => !plan.some((p) => p.tool === tool))).toEqual(["go", "Docker Hub"]);
  });
});

describe("the docs' commands name what exists", () => {
  const projects = execFileSync("git", ["ls-files", "*project.json"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
  const facts: CommandFacts = {
    scripts: Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts),
    generators: Object.keys(
      (JSON.parse(read("tools/generators/generators.json")) as { generators: Record<string, unknown> }).generators,
    ).map((g) => `@signed-image-lab/generators:${g}`),
    targets: projects.flatMap((file) => {
      const project = JSON.parse(read(file)) as { name: string; targets?: Record<string, unknown> };
      return Object.keys(project.targets ?? {}).map((target) => `${project.name}:${target}`);
    }),
    configKeys: [...LAB_CONFIG_KEYS],
    labVariables: [
      ...new Set(
        ["tools/scripts/lab.sh", "tools/scripts/stack-config.sh", "tools/scripts/test-engine.sh", "tools/bootstrap/local-images.sh"]
          .flatMap((file) => [...read(file).matchAll(/\b(LAB_[A-Z0-9_]+)/g)].map((m) => m[1] ?? ""))
          .concat(
            execFileSync("git", ["grep", "-hoE", "process\\.env\\.LAB_[A-Z0-9_]+", "--", "packages", "tools"], {
              cwd: ROOT,
              encoding: "utf8",
            })
              .split("\n")
              .filter(Boolean)
              .map((m) => m.replace("process.env.", "")),
          ),
      ),
    ],
  };

  it("every script, generator, target, config key and LAB_ variable of a shell block exists; pulumi runs on the lab's backend", () => {
    const problems = docFiles().flatMap((file) =>
      codeBlocks(read(file))
        .filter(isShellBlock)
        .flatMap((block) => commandProblems(block, facts, file)),
    );
    expect(problems).toEqual([]);
    expect(docFiles().flatMap((file) => codeBlocks(read(file)).filter(isShellBlock)).length).toBeGreaterThan(10);
  });

  it("names each kind of stale command (the check is not vacuous)", () => {
    const block = {
      info: "sh",
      line: 1,
      body: [
        "npm run lab:nope",
        "npx nx g @signed-image-lab/generators:stack x",
        "npx nx run @signed-image-lab/tooling:bundle",
        "npm run lab:pulumi -- config set --path registryPorts.x 1",
        "LAB_NOPE=1 npm run lab:up",
        "pulumi stack output admittedRef",
        'eval "$(npm run -s lab:env)"',
        "pulumi stack output admittedRef",
      ].join("\n"),
    };
    expect(commandProblems(block, facts, "x.md").map((p) => p.replace(/^x\.md:1: .*?: /, ""))).toEqual([
      "no npm script lab:nope",
      "no generator @signed-image-lab/generators:stack",
      "no nx target @signed-image-lab/tooling:bundle",
      "no config key registryPorts",
      "nothing reads LAB_NOPE",
      `a plain pulumi does not know the lab's backend: use npm run lab:pulumi -- or eval "$(npm run -s lab:env)" first`,
    ]);
  });
});

describe("docs/testing.md says what the spec files test", () => {
  it("its generated lists are those of the spec files now (npm run docs rewrites them)", () => {
    const current = read("docs/testing.md");
    const generated = Object.entries(testingDocBlocks(ROOT)).reduce((doc, [name, block]) => replaceGenerated(doc, name, block), current);
    expect(current === generated, "docs/testing.md is stale: run npm run docs").toBe(true);
  });
});
