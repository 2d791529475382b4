import { findBinary, PINNED_VERSIONS } from "@signed-image-lab/tooling";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { PROJECT_BIN, REPO_ROOT } from "./lab-tools.js";

/** What team mode's specs need: the pinned Pulumi CLI and a PostgreSQL server for its state. */
export interface TeamState {
  /** The pinned pulumi CLI. */
  readonly pulumi: string;
  /** The server's client environment (PGHOST … PGPASSWORD, PULUMI_BACKEND_URL, LAB_PG_BIN). */
  readonly env: Readonly<Record<string, string>>;
}

/** Where tools/bootstrap/postgres.sh writes the server's environment by default. */
export const TEAM_ENV_FILE = process.env.LAB_PG_ENV_FILE ?? join(REPO_ROOT, ".cache", "postgres", "team.env");

const PINNED_PULUMI = PINNED_VERSIONS.pulumi.version;

/** `KEY=value` lines (the env file postgres.sh writes); anything else is an error. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`not a KEY=value line: ${line.split("=")[0]}`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

/** The pulumi CLI: LAB_ENGINE_BIN first, then .tools/bin, then PATH. */
function findPulumi(): string | undefined {
  const dirs = [process.env.LAB_ENGINE_BIN, PROJECT_BIN, ...(process.env.PATH ?? "").split(delimiter)].filter((d): d is string => !!d);
  return findBinary("pulumi", dirs);
}

/**
 * The CLI and server, or `undefined` with the reason printed when one is missing outside CI.
 * Throws in CI, where `.ci/run` builds the CLI and starts the server. A CLI of another version
 * is an error everywhere: the specs prove the pinned one.
 */
export async function teamStateOrSkip(specName: string): Promise<TeamState | undefined> {
  const missing: string[] = [];
  const pulumi = findPulumi();
  if (!pulumi) missing.push("pulumi (bash tools/engine/build.sh --cli-only)");
  if (!existsSync(TEAM_ENV_FILE)) missing.push(`PostgreSQL (bash tools/bootstrap/postgres.sh writes ${TEAM_ENV_FILE})`);
  if (missing.length > 0) {
    const reason = `${specName}: missing ${missing.join(", ")}`;
    if (process.env.CI) throw new Error(`CI must have every tool. ${reason}`);
    console.warn(`SKIPPED ${reason}`);
    return undefined;
  }
  const version = (await execa(pulumi!, ["version"], { env: { PULUMI_SKIP_UPDATE_CHECK: "true" } })).stdout.trim();
  if (version !== PINNED_PULUMI) throw new Error(`${pulumi} is pulumi ${version}, packages/tooling/versions.json pins ${PINNED_PULUMI}`);
  const env = parseEnvFile(readFileSync(TEAM_ENV_FILE, "utf8"));
  for (const key of ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PULUMI_BACKEND_URL", "LAB_PG_BIN"]) {
    if (!env[key]) throw new Error(`${TEAM_ENV_FILE} lacks ${key}: run tools/bootstrap/postgres.sh again`);
  }
  // The file outlives the server: a stopped one is a failure to report, not a skip.
  const ready = await execa(join(env.LAB_PG_BIN!, "pg_isready"), ["-h", env.PGHOST!, "-p", env.PGPORT!], { reject: false });
  if (ready.exitCode !== 0) {
    throw new Error(`no PostgreSQL server on ${env.PGHOST}:${env.PGPORT} (${ready.stdout.trim()}): run tools/bootstrap/postgres.sh`);
  }
  return { pulumi: pulumi!, env };
}

/** One row of the state table: its key and the blob it holds, decoded. */
export interface StateRow {
  readonly key: string;
  readonly text: string;
}

/** Whether `table` exists in the team database. */
async function tableExists(team: TeamState, table: string): Promise<boolean> {
  const result = await execa(join(team.env.LAB_PG_BIN!, "psql"), ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-v", `table=${table}`], {
    env: team.env,
    input: "SELECT to_regclass(:'table') IS NOT NULL;\n",
  });
  return result.stdout.trim() === "t";
}

/**
 * Every row of the CLI's state table (`pulumi_state`), decoded: the postgres backend stores each
 * blob base64-encoded in a JSON column, so a search of the raw column alone would never find
 * plaintext even if it were there.
 */
export async function stateRows(team: TeamState, table = "pulumi_state"): Promise<StateRow[]> {
  // The CLI makes its table on first use: a fresh database has none, which means no rows.
  if (!(await tableExists(team, table))) return [];
  const result = await execa(
    join(team.env.LAB_PG_BIN!, "psql"),
    ["-X", "-q", "-tA", "-F", "\t", "-c", `SELECT key, data->>'data' FROM ${table} ORDER BY key`],
    {
      env: team.env,
    },
  );
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [key, data] = line.split("\t");
      return { key: key!, text: Buffer.from(data ?? "", "base64").toString("utf8") };
    });
}

/** Deletes the state table's rows whose key is LIKE `pattern` (a spec's leftovers). */
export async function deleteStateRows(team: TeamState, pattern: string, table = "pulumi_state"): Promise<void> {
  if (!(await tableExists(team, table))) return;
  await execa(join(team.env.LAB_PG_BIN!, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", `pattern=${pattern}`], {
    env: team.env,
    input: `DELETE FROM ${table} WHERE key LIKE :'pattern';\n`,
  });
}
