/**
 * Quoting for POSIX `sh`. Every command string the lab runs is rendered by {@link renderWords},
 * so a word is quoted exactly once, by one function.
 */

/** A word that the shell expands at run time: a literal prefix, `"${name}"`, a literal suffix. */
export interface ShellExpansion {
  readonly variable: string;
  readonly suffix?: string;
  /** Literal text before the expansion, e.g. `certificate-chain=` of a `key=value` flag. */
  readonly prefix?: string;
}

/** One argv word: a literal string, or a shell variable the step script defines. */
export type Word = string | ShellExpansion;

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes one literal word for `sh`; words made only of safe characters stay as they are. */
export function quoteShellWord(word: string): string {
  if (word.length > 0 && SAFE_WORD.test(word)) {
    return word;
  }
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A word that expands the step script's variable `variable`, then appends `suffix` literally;
 * `prefix`, when given, goes literally before it.
 */
export function expand(variable: string, suffix?: string, prefix?: string): ShellExpansion {
  if (!VARIABLE_NAME.test(variable)) {
    throw new Error(`not a shell variable name: ${JSON.stringify(variable)}`);
  }
  return prefix ? { variable, suffix, prefix } : { variable, suffix };
}

function renderWord(word: Word): string {
  if (typeof word === "string") {
    return quoteShellWord(word);
  }
  const suffix = word.suffix ? quoteShellWord(word.suffix) : "";
  const prefix = word.prefix ? quoteShellWord(word.prefix) : "";
  return `${prefix}"\${${word.variable}}"${suffix}`;
}

/** Renders an argv array as one shell command line. */
export function renderWords(words: readonly Word[]): string {
  if (words.length === 0) {
    throw new Error("cannot render an empty command");
  }
  return words.map(renderWord).join(" ");
}
