import type { CodeBlock } from "./markdown.js";

/** What a doc's commands may name: the workspace's scripts, generators, targets, config keys and variables. */
export interface CommandFacts {
  /** Root package.json scripts. */
  readonly scripts: readonly string[];
  /** `<collection>:<generator>` that `nx g` knows. */
  readonly generators: readonly string[];
  /** `<project>:<target>` that `nx run` knows. */
  readonly targets: readonly string[];
  readonly configKeys: readonly string[];
  /** `LAB_*` variables some script or CLI of the repo reads. */
  readonly labVariables: readonly string[];
}

/** Shell code blocks: `sh`, `bash`, `shell`, with or without `runnable`. */
export function isShellBlock(block: CodeBlock): boolean {
  return /^(sh|bash|shell)\b/.test(block.info);
}

/** A block a spec runs: its info string says `runnable`. */
export function isRunnable(block: CodeBlock): boolean {
  return isShellBlock(block) && /\brunnable\b/.test(block.info);
}

/** The block's logical lines: comments cut, `\` continuations joined. */
function commandLines(body: string): string[] {
  return body
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
}

/** Docs whose commands run in a team's own Pulumi project (its own backend), not against the lab. */
export const OWN_PROJECT_DOCS: readonly string[] = ["docs/use-from-your-program.md"];

/**
 * What is stale in the commands of one shell block: an `npm run` script, an `nx g` generator or
 * `nx run` target that does not exist, a `config set` of a key the schema does not have, a `LAB_*`
 * variable nothing reads, a bare `pulumi` before the block ran `eval "$(npm run -s lab:env)"`
 * (a plain pulumi does not know the lab's backend). Each problem names the line.
 */
export function commandProblems(block: CodeBlock, facts: CommandFacts, where: string): string[] {
  const problems: string[] = [];
  // A team's own project has a backend of its own: there a plain pulumi is the right one.
  let labEnv = OWN_PROJECT_DOCS.includes(where);
  for (const line of commandLines(block.body)) {
    const at = `${where}:${block.line}: ${line.slice(0, 80)}`;
    if (/eval\s+"\$\(npm run -s lab:env\)"/.test(line)) labEnv = true;
    for (const m of line.matchAll(/\bnpm run(?:\s+-s)?\s+([\w:.-]+)/g)) {
      if (!facts.scripts.includes(m[1] ?? "")) problems.push(`${at}: no npm script ${m[1]}`);
    }
    for (const m of line.matchAll(/\bnx g(?:enerate)?\s+(\S+)/g)) {
      if (!facts.generators.includes(m[1] ?? "")) problems.push(`${at}: no generator ${m[1]}`);
    }
    for (const m of line.matchAll(/\bnx run\s+(\S+)/g)) {
      if (!facts.targets.includes(m[1] ?? "")) problems.push(`${at}: no nx target ${m[1]}`);
    }
    for (const m of line.matchAll(/\bconfig set\s+(?:--(?:secret|path|plaintext)\s+)*['"]?([A-Za-z]+)/g)) {
      if (!facts.configKeys.includes(m[1] ?? "")) problems.push(`${at}: no config key ${m[1]}`);
    }
    for (const m of line.matchAll(/\b(LAB_[A-Z0-9_]+)=/g)) {
      if (!facts.labVariables.includes(m[1] ?? "")) problems.push(`${at}: nothing reads ${m[1]}`);
    }
    const bare = /(^|[;&|(]\s*|\$\(\s*)pulumi\s/.test(line);
    if (bare && !labEnv)
      problems.push(
        `${at}: a plain pulumi does not know the lab's backend: use npm run lab:pulumi -- or eval "$(npm run -s lab:env)" first`,
      );
  }
  return problems;
}
