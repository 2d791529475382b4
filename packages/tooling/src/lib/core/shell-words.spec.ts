import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { expand, quoteShellWord, renderWords } from "./shell-words.js";

/** Hands rendered words to the real `sh` and returns the argument list it made of them. */
function argvSeenBySh(renderedWords: string, env: Record<string, string> = {}): string[] {
  const out = execFileSync("/bin/sh", ["-c", `set -- ${renderedWords}; for w; do printf '%s\\0' "$w"; done`], {
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  return out.toString("utf8").split("\0").slice(0, -1);
}

describe("quoteShellWord", () => {
  it("leaves safe words alone so rendered commands stay readable", () => {
    expect(quoteShellWord("localhost:5001/studentbook@sha256:abc")).toBe("localhost:5001/studentbook@sha256:abc");
    expect(quoteShellWord("--tlog-upload=false")).toBe("--tlog-upload=false");
  });

  it.each([
    ["a space", "my image"],
    ["single quotes", "it's"],
    ["a dollar sign", "$HOME"],
    ["backticks", "`id`"],
    ["a semicolon", "x; rm -rf /"],
    ["a newline", "two\nlines"],
    ["an empty word", ""],
    ["a glob", "*"],
  ])("round-trips %s through sh unchanged", (_what, word) => {
    expect(argvSeenBySh(quoteShellWord(word))).toEqual([word]);
  });
});

describe("renderWords", () => {
  it("renders variables as quoted expansions with a literal suffix", () => {
    const line = renderWords(["cat", expand("dir", "/my file")]);
    expect(line).toBe(`cat "\${dir}"'/my file'`);
    expect(argvSeenBySh(renderWords([expand("dir", "/my file")]), { dir: "/tmp/a b" })).toEqual(["/tmp/a b/my file"]);
  });

  it("renders a literal prefix before the expansion (a key=value flag whose value is a path)", () => {
    const word = expand("dir", "/chain.pem", "url=http://127.0.0.1:3000/x,certificate-chain=");
    expect(renderWords([word])).toBe(`url=http://127.0.0.1:3000/x,certificate-chain="\${dir}"/chain.pem`);
    expect(argvSeenBySh(renderWords([expand("dir", "", "it's ")]), { dir: "/tmp/a b" })).toEqual(["it's /tmp/a b"]);
  });

  it("refuses an empty command and a bad variable name", () => {
    expect(() => renderWords([])).toThrow(/empty command/);
    expect(() => expand("1bad")).toThrow(/not a shell variable name/);
  });
});
