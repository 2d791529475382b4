import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** What one spec file holds: its top-level describe titles and its test titles. */
export interface SpecFile {
  readonly path: string;
  readonly describes: readonly string[];
  readonly tests: readonly string[];
}

const QUOTED = /^\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/;

/** The title of a describe/it call whose argument list starts at `at`; for `.each(...)`, after its table. */
function titleAt(text: string, at: number): string | undefined {
  const rest = text.slice(at);
  const direct = QUOTED.exec(rest);
  if (direct) return direct[2]?.replace(/\s+/g, " ");
  const each = /\)\(\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/.exec(rest);
  return each?.[2]?.replace(/\s+/g, " ");
}

/** Reads the titles of a vitest spec file from its text. */
export function readSpecFile(path: string, text: string): SpecFile {
  const describes: string[] = [];
  const tests: string[] = [];
  for (const m of text.matchAll(/^(\s*)(describe|it|test)((?:\.\w+(?:\([^()]*\))?)*)\(/gm)) {
    const [whole, indent, kind, modifiers] = m;
    const at = (m.index ?? 0) + whole.length;
    const title = (modifiers ?? "").includes(".each") ? titleAt(text, at - 1) : titleAt(text, at);
    if (title === undefined) continue;
    if (kind === "describe") {
      if ((indent ?? "").length === 0) describes.push(title);
    } else tests.push(title);
  }
  return { path, describes, tests };
}

/** The spec files git tracks under `root` whose path matches `pattern`, read. */
export function specFiles(root: string, pattern: RegExp): SpecFile[] {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: root, encoding: "utf8" })
    .split("\n")
    .filter((f) => pattern.test(f));
  return files.sort().map((file) => readSpecFile(file, readFileSync(join(root, file), "utf8")));
}

/** One section per spec file: its describe titles, then each test title. */
export function renderSpecList(files: readonly SpecFile[]): string {
  return files
    .map((file) => {
      const what = file.describes.length > 0 ? ` — ${file.describes.join("; ")}` : "";
      return [`**\`${file.path}\`**${what} (${file.tests.length})`, "", ...file.tests.map((t) => `- ${t}`)].join("\n");
    })
    .join("\n\n");
}

/** The unit and mock specs per project: files and test blocks (an `it.each` counts once). */
export function renderUnitTable(root: string, projects: readonly { readonly name: string; readonly dir: string }[]): string {
  const rows = projects.map(({ name, dir }) => {
    const files = specFiles(root, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/.*\\.spec\\.ts$`));
    return `| \`${name}\` | ${files.length} | ${files.reduce((n, f) => n + f.tests.length, 0)} |`;
  });
  return ["| project | spec files | test blocks |", "|---|---|---|", ...rows].join("\n");
}

/** The projects whose unit specs `npm test` runs. */
export const UNIT_PROJECTS = [
  { name: "@signed-image-lab/tooling", dir: "packages/tooling" },
  { name: "@signed-image-lab/components", dir: "packages/components" },
  { name: "@signed-image-lab/policy-pack", dir: "packages/policy-pack" },
  { name: "@signed-image-lab/infra", dir: "infra" },
  { name: "@signed-image-lab/generators", dir: "tools/generators" },
] as const;

/** The generated blocks of docs/testing.md, by name. */
export function testingDocBlocks(root: string): Record<string, string> {
  return {
    unit: renderUnitTable(root, UNIT_PROJECTS),
    e2e: renderSpecList(specFiles(root, /^tools\/e2e\/[^/]+\.e2e\.ts$/)),
    acceptance: renderSpecList(specFiles(root, /^tools\/e2e\/acceptance\/[^/]+\.acceptance\.ts$/)),
  };
}
