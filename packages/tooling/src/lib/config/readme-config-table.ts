import { labConfigJsonSchema, type LabConfigJsonProperty } from "./lab-config-schema.js";

/** One row of a configuration table (docs/configuration.md, the README's most used keys): `| key | default | meaning |`, backticks removed. */
export interface ConfigTableRow {
  readonly key: string;
  readonly defaultCell: string;
  /** The whole row, for values that the meaning cell states (enums, nested defaults). */
  readonly text: string;
}

/**
 * Default cells that say in words what the schema's default is, where the value itself would
 * say less: registryAuth's `{enabled: false, users: []}` is "off".
 */
const DEFAULT_IN_WORDS: Readonly<Record<string, string>> = { registryAuth: "off" };

/** The rows of the table under the `## <heading>` (docs/configuration.md: `Keys`) whose first cell is a `key`. */
export function parseConfigTable(markdown: string, heading = "Keys"): ConfigTableRow[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(`${heading}\n`)) ?? "";
  const rows: ConfigTableRow[] = [];
  for (const line of section.split("\n")) {
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.replace(/\\\|/g, "|").replace(/`/g, "").trim());
    const key = /^\| `([A-Za-z]+)` \|/.exec(line)?.[1];
    if (key && cells.length >= 3) rows.push({ key, defaultCell: cells[1] ?? "", text: cells.join(" | ") });
  }
  return rows;
}

/** The scalar values inside a default (an object's leaves), as the README writes them. */
function leaves(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (typeof value === "object") return Object.values(value).flatMap(leaves);
  return [String(value)];
}

/** Whether a default cell states the value: equal, or its start followed by `…` (a digest cut short). */
function statesValue(cell: string, value: string): boolean {
  return cell === value || (cell.endsWith("…") && cell.length > 1 && value.startsWith(cell.slice(0, -1)));
}

/** Which table {@link configTableProblems} reads. */
export interface ConfigTableOptions {
  /** The `## ` heading above it. Default `Keys` (docs/configuration.md). */
  readonly heading?: string;
  /** The table lists some keys only (the README's most used): a key without a row is no problem. */
  readonly some?: boolean;
}

/**
 * What the README's configuration table gets wrong about the schema: a key without a row or a
 * row without a key, a default cell that is not the default, an enum value or a nested default
 * (e.g. `vaultDevServer.port`) the row does not name. Empty when the table follows the schema.
 */
export function configTableProblems(markdown: string, schema = labConfigJsonSchema(), options: ConfigTableOptions = {}): string[] {
  const rows = parseConfigTable(markdown, options.heading);
  const problems: string[] = [];
  const keys = Object.keys(schema.properties);
  for (const row of rows) {
    if (!keys.includes(row.key)) problems.push(`${row.key}: in the table but not a config key`);
    if (rows.filter((r) => r.key === row.key).length > 1 && rows.find((r) => r.key === row.key) === row)
      problems.push(`${row.key}: has two rows`);
  }
  for (const key of keys) {
    const row = rows.find((r) => r.key === key);
    if (!row) {
      if (!options.some) problems.push(`${key}: config key missing from the table`);
      continue;
    }
    const property = schema.properties[key] as LabConfigJsonProperty;
    const words = DEFAULT_IN_WORDS[key];
    if (words !== undefined) {
      if (row.defaultCell !== words) problems.push(`${key}: default cell "${row.defaultCell}", expected "${words}"`);
    } else if (property.default !== undefined && typeof property.default !== "object") {
      if (!statesValue(row.defaultCell, String(property.default))) {
        problems.push(`${key}: default cell "${row.defaultCell}", but the schema's default is ${String(property.default)}`);
      }
    } else {
      for (const leaf of leaves(property.default)) {
        if (!row.defaultCell.includes(leaf) && !row.text.includes(leaf))
          problems.push(`${key}: the row does not name its default's ${leaf}`);
      }
    }
    // (A default said in words stands for the nested defaults too.)
    for (const nested of words === undefined ? Object.values(property.properties ?? {}) : []) {
      for (const value of [...leaves(nested.default), ...(nested.enum ?? []).map(String)]) {
        if (!row.text.includes(value)) problems.push(`${key}: the row does not name ${value}`);
      }
    }
    for (const value of property.enum ?? []) {
      if (!row.text.includes(String(value))) problems.push(`${key}: the row does not name the value ${String(value)}`);
    }
  }
  return problems;
}
