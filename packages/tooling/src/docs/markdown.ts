/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string after the opening fence, e.g. `sh runnable`. */
  readonly info: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** Every fenced (```) code block, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  let open: { info: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = /^\s*```(.*)$/.exec(line);
    if (open) {
      if (fence && fence[1]?.trim() === "") {
        blocks.push({ info: open.info, body: open.body.join("\n"), line: open.line });
        open = undefined;
      } else open.body.push(line);
    } else if (fence) open = { info: (fence[1] ?? "").trim(), line: i + 1, body: [] };
  });
  return blocks;
}

/** Markdown without its code blocks: prose and tables only. */
export function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^\s*```[^\n]*\n[\s\S]*?^\s*```\s*$/gm, "");
}

/**
 * The section under the heading whose text is `title` (any level), up to the next heading of
 * the same or a higher level; empty when there is none. Headings inside code blocks do not count.
 */
export function sectionOf(markdown: string, title: string): string {
  const lines = markdown.split("\n");
  let inCode = false;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*```/.test(line)) inCode = !inCode;
    if (inCode) continue;
    const heading = /^(#+)\s+(.*?)\s*$/.exec(line);
    if (!heading) continue;
    const depth = heading[1]?.length ?? 0;
    if (start < 0 && heading[2] === title) {
      start = i;
      level = depth;
    } else if (start >= 0 && depth <= level) return lines.slice(start, i).join("\n");
  }
  return start < 0 ? "" : lines.slice(start).join("\n");
}

/** The cells of each table row of a text (separator rows left out); `\|` inside a cell is a pipe. */
export function tableRows(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => /^\|.*\|\s*$/.test(line.trim()) && !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.replace(/\\\|/g, "|").trim()),
    );
}

/** The names in backticks of a text, in order: `admittedRef` → admittedRef. */
export function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
}

/**
 * Replaces what sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` with
 * `content`. Throws when the markers are missing.
 */
export function replaceGenerated(markdown: string, name: string, content: string): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${start} … ${end} block`);
  return `${markdown.slice(0, from + start.length)}\n${content.trimEnd()}\n${markdown.slice(to)}`;
}
