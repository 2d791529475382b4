import { execa, type Result } from "execa";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteStateRows, stateRows, teamStateOrSkip } from "./support/team-state.js";

const team = await teamStateOrSkip("team-state");
const PROJECT = "team-state-e2e";

/**
 * Team mode's state layer with real parts: the pinned CLI, the postgres backend on a real
 * PostgreSQL server (tools/bootstrap/postgres.sh), and two clones of one git repository, each with
 * its own PULUMI_HOME, as two engineers' machines. The stack file (config, encrypted secrets)
 * travels by git; the state travels by the database.
 */
describe.skipIf(!team)("team state: two clones share a stack in PostgreSQL (real server, pinned CLI)", () => {
  const stack = `team-${randomUUID().slice(0, 8)}`;
  const passphrase = randomBytes(18).toString("base64url");
  const configSecret = `cfg-${randomBytes(12).toString("hex")}`;
  const stateSecret = `state-${randomBytes(12).toString("hex")}`;
  const region = `region-${randomBytes(4).toString("hex")}`;
  let base: string;
  let cloneA: string;
  let cloneB: string;

  function git(cwd: string, ...args: string[]): Promise<Result> {
    return execa("git", ["-c", "user.name=lab", "-c", "user.email=lab@localhost", ...args], { cwd });
  }

  /** The CLI in a clone; the backend and passphrase come from the environment, never argv. */
  function pulumi(clone: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
    return execa(team!.pulumi, [...args, "--non-interactive"], {
      cwd: clone,
      env: {
        ...team!.env,
        PULUMI_HOME: join(clone, "..", `${clone.split("/").pop()}-home`),
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        ...options.env,
      },
      input: options.input,
      reject: false,
      all: true,
      timeout: 120_000,
    });
  }

  async function ok(clone: string, args: string[], options: { input?: string } = {}): Promise<string> {
    const result = await pulumi(clone, args, options);
    if (result.exitCode !== 0) throw new Error(`pulumi ${args.join(" ")} failed in ${clone}:\n${result.all}`);
    return String(result.stdout);
  }

  const stackKey = `/.pulumi/stacks/${PROJECT}/${stack}.json`;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "team-state-"));
    const origin = join(base, "origin.git");
    const seed = join(base, "seed");
    mkdirSync(seed);
    writeFileSync(join(seed, "Pulumi.yaml"), `name: ${PROJECT}\nruntime: nodejs\ndescription: team mode's two-clone fixture\n`);
    await git(seed, "init", "--quiet", "--initial-branch=main");
    await git(seed, "add", "Pulumi.yaml");
    await git(seed, "commit", "--quiet", "-m", "fixture");
    await git(base, "clone", "--quiet", "--bare", seed, origin);
    cloneA = join(base, "a");
    cloneB = join(base, "b");
    await git(base, "clone", "--quiet", origin, cloneA);
    await git(base, "clone", "--quiet", origin, cloneB);
  });

  afterAll(async () => {
    if (cloneB) await pulumi(cloneB, ["stack", "rm", "--force", "--yes", "--stack", stack]);
    // What `stack rm` keeps (backups, history) would pile up in CI's cached cluster.
    if (team) await deleteStateRows(team, `%/.pulumi/%/${PROJECT}/${stack}%`);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it("reads a state table the CLI has not made yet (a fresh database) as no rows, and deletes nothing from it", async () => {
    // The engine acceptance run on a fresh cluster found this: the CLI makes pulumi_state on first use.
    expect(await stateRows(team!, "lab_never_made")).toEqual([]);
    await expect(deleteStateRows(team!, "%", "lab_never_made")).resolves.toBeUndefined();
  });

  it("clone A creates the stack in PostgreSQL and clone B lists it", async () => {
    await ok(cloneA, ["stack", "init", stack, "--secrets-provider", "passphrase"]);
    const keys = (await stateRows(team!)).map((r) => r.key);
    expect(keys.filter((k) => k.endsWith(stackKey))).toHaveLength(1);
    const listed = JSON.parse(await ok(cloneB, ["stack", "ls", "--json"])) as { name: string }[];
    expect(listed.map((s) => s.name)).toContain(stack);
    const whoami = await ok(cloneB, ["whoami", "--verbose"]);
    expect(whoami).toContain(`Backend URL: ${team!.env.PULUMI_BACKEND_URL}`);
  });

  it("config and a secret set in clone A are read in clone B (stack file by git, the shared passphrase)", async () => {
    await ok(cloneA, ["config", "set", "region", region, "--stack", stack]);
    await ok(cloneA, ["config", "set", "--secret", "apiToken", "--stack", stack], { input: configSecret });
    const stackFile = readFileSync(join(cloneA, `Pulumi.${stack}.yaml`), "utf8");
    expect(stackFile).toContain("secure: v1:");
    expect(stackFile).not.toContain(configSecret);
    await git(cloneA, "add", `Pulumi.${stack}.yaml`);
    await git(cloneA, "commit", "--quiet", "-m", `stack ${stack}`);
    await git(cloneA, "push", "--quiet", "origin", "main");
    await git(cloneB, "pull", "--quiet", "--ff-only");

    await ok(cloneB, ["stack", "select", stack]);
    expect((await ok(cloneB, ["config", "get", "region"])).trim()).toBe(region);
    expect((await ok(cloneB, ["config", "get", "apiToken"])).trim()).toBe(configSecret);
    // Without the team's passphrase the secret stays closed.
    const wrong = await pulumi(cloneB, ["config", "get", "apiToken"], { env: { PULUMI_CONFIG_PASSPHRASE: "not-the-team-passphrase" } });
    expect(wrong.exitCode).not.toBe(0);
    expect(String(wrong.all)).not.toContain(configSecret);
  });

  it("stack export/import round trip across the clones; a secret imported in plaintext is stored encrypted", async () => {
    const exported = JSON.parse(await ok(cloneB, ["stack", "export", "--stack", stack])) as {
      deployment: { resources?: unknown[]; secrets_providers?: { type: string } };
    };
    expect(exported.deployment.secrets_providers?.type).toBe("passphrase");
    exported.deployment.resources = [
      {
        urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`,
        custom: false,
        type: "pulumi:pulumi:Stack",
        outputs: {
          region,
          token: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(stateSecret) },
        },
      },
    ];
    const importFile = join(base, "import.json");
    writeFileSync(importFile, JSON.stringify(exported));
    await ok(cloneB, ["stack", "import", "--file", importFile, "--stack", stack]);
    rmSync(importFile);

    // Clone A sees clone B's import, encrypted unless asked, and decrypts it with the passphrase.
    const fromA = await ok(cloneA, ["stack", "export", "--stack", stack]);
    expect(fromA).toContain('"ciphertext"');
    expect(fromA).not.toContain(stateSecret);
    const outputs = JSON.parse(await ok(cloneA, ["stack", "output", "--json", "--show-secrets", "--stack", stack])) as Record<
      string,
      string
    >;
    expect(outputs).toEqual({ region, token: stateSecret });

    // The round trip: clone A imports its own (encrypted) export; clone B then exports the same
    // resources and values (a secret is encrypted again with a new nonce, so compare decrypted).
    type Exported = { deployment: { resources: unknown[] } };
    const before = JSON.parse(await ok(cloneA, ["stack", "export", "--show-secrets", "--stack", stack])) as Exported;
    const roundFile = join(base, "round.json");
    writeFileSync(roundFile, fromA);
    await ok(cloneA, ["stack", "import", "--file", roundFile, "--stack", stack]);
    const after = JSON.parse(await ok(cloneB, ["stack", "export", "--show-secrets", "--stack", stack])) as Exported;
    expect(after.deployment.resources).toHaveLength(1);
    expect(after.deployment.resources).toEqual(before.deployment.resources);
  });

  it("the database holds no plaintext secret: not in pulumi_state (decoded) nor anywhere in a pg_dump", async () => {
    const rows = await stateRows(team!);
    const checkpoint = rows.find((r) => r.key.endsWith(stackKey));
    // Decoding works: the non-secret output and the secret's ciphertext are there.
    expect(checkpoint?.text).toContain(region);
    expect(checkpoint?.text).toContain('"ciphertext"');
    for (const secret of [stateSecret, configSecret, passphrase]) {
      expect(rows.filter((r) => r.text.includes(secret)).map((r) => r.key)).toEqual([]);
    }
    const dump = await execa(join(team!.env.LAB_PG_BIN!, "pg_dump"), ["--no-owner"], { env: team!.env, maxBuffer: 512 * 1024 * 1024 });
    expect(dump.stdout).toContain("pulumi_state");
    for (const secret of [stateSecret, configSecret, passphrase]) {
      expect(dump.stdout).not.toContain(secret);
    }
  });

  it("clone B removes the stack; clone A no longer finds it", async () => {
    await ok(cloneB, ["stack", "rm", "--force", "--yes", "--stack", stack]);
    const keys = (await stateRows(team!)).map((r) => r.key);
    // The CLI keeps the last checkpoint as <stack>.json.bak (encrypted, as checked above).
    expect(keys.filter((k) => k.endsWith(stackKey))).toEqual([]);
    const listed = JSON.parse(await ok(cloneA, ["stack", "ls", "--json"])) as { name: string }[];
    expect(listed.map((s) => s.name)).not.toContain(stack);
  });
});
