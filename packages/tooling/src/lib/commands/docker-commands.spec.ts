import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  HTPASSWD_ENV,
  registryContainerEnv,
  removeBuiltTagStep,
  runContainerStep,
  startRegistryStep,
  TLS_CERT_ENV,
  TLS_CERT_PATH_IN_CONTAINER,
  TLS_KEY_ENV,
  TLS_KEY_PATH_IN_CONTAINER,
} from "./docker-commands.js";
import { renderStepScript, withStepEnvNames } from "../core/step-script.js";

const workDir = mkdtempSync(join(tmpdir(), "docker-spec-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe("startRegistryStep", () => {
  it("keeps plain HTTP without auth: create and start, nothing copied", () => {
    const step = startRegistryStep({ name: "reg", image: "registry:2", hostPort: 5001, authEnabled: false });
    expect(step.invocations.map((i) => i.argv.slice(0, 2))).toEqual([
      ["docker", "create"],
      ["docker", "start"],
    ]);
    expect(step.invocations[0]?.argv).toEqual([
      "docker",
      "create",
      "--name",
      "reg",
      "--restart",
      "always",
      "-p",
      "127.0.0.1:5001:5000",
      "-e",
      "REGISTRY_STORAGE_DELETE_ENABLED=true",
      "registry:2",
    ]);
  });

  it("serves https with the certificate and key copied in from the environment", () => {
    const step = startRegistryStep({ name: "reg", image: "registry:2", hostPort: 5001, authEnabled: true, tls: true });
    const argv = step.invocations.map((i) => i.argv);
    expect(argv[0]).toEqual(
      expect.arrayContaining([
        `REGISTRY_HTTP_TLS_CERTIFICATE=${TLS_CERT_PATH_IN_CONTAINER}`,
        `REGISTRY_HTTP_TLS_KEY=${TLS_KEY_PATH_IN_CONTAINER}`,
      ]),
    );
    expect(argv).toContainEqual(["printenv", TLS_KEY_ENV]);
    expect(argv).toContainEqual(["docker", "cp", { variable: "lab_tmp", suffix: "/tls.key" }, `reg:${TLS_KEY_PATH_IN_CONTAINER}`]);
    expect(argv.at(-1)).toEqual(["docker", "start", "reg"]);
    const published = startRegistryStep({ name: "r", image: "i", hostPort: 5001, authEnabled: false });
    expect(published.invocations[0]?.argv).toEqual(expect.arrayContaining(["-p", "127.0.0.1:5001:5000"]));
    expect(registryContainerEnv(false, true)).toEqual({
      REGISTRY_STORAGE_DELETE_ENABLED: "true",
      REGISTRY_HTTP_TLS_CERTIFICATE: TLS_CERT_PATH_IN_CONTAINER,
      REGISTRY_HTTP_TLS_KEY: TLS_KEY_PATH_IN_CONTAINER,
    });
    expect(registryContainerEnv(true)).not.toHaveProperty("REGISTRY_HTTP_TLS_KEY");
  });

  it("copies exactly the environment's PEMs (and htpasswd) before start, keeping them out of the command string", async () => {
    const log = join(workDir, "docker.log");
    const fakeDocker = join(workDir, "docker");
    writeFileSync(
      fakeDocker,
      `#!/bin/sh\nif [ "$1" = cp ]; then printf '%s <- %s\\n' "$3" "$(cat "$2")" >>${log}; else echo "$1" >>${log}; fi\n`,
      { mode: 0o755 },
    );
    const secrets = { [TLS_CERT_ENV]: "CERT PEM", [TLS_KEY_ENV]: "KEY PEM s3cret", [HTPASSWD_ENV]: "alice:$2y$hash" };
    const script = renderStepScript(
      startRegistryStep({ name: "reg", image: "r", hostPort: 1, authEnabled: true, tls: true, docker: fakeDocker }),
    );
    for (const value of Object.values(secrets)) expect(script).not.toContain(value);
    await promisify(execFile)("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH ?? "", ...withStepEnvNames(secrets) } });
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual([
      "create",
      `reg:/etc/docker/registry/htpasswd <- alice:$2y$hash`,
      `reg:${TLS_CERT_PATH_IN_CONTAINER} <- CERT PEM`,
      `reg:${TLS_KEY_PATH_IN_CONTAINER} <- KEY PEM s3cret`,
      "start",
    ]);
  });

  it("fails before start when TLS is on but the key is not in the environment", async () => {
    const script = renderStepScript(
      startRegistryStep({ name: "reg", image: "r", hostPort: 1, authEnabled: false, tls: true, docker: "true" }),
    );
    await expect(
      promisify(execFile)("/bin/sh", ["-c", script], {
        env: { PATH: process.env.PATH ?? "", ...withStepEnvNames({ [TLS_CERT_ENV]: "c" }) },
      }),
    ).rejects.toMatchObject({ code: 1 });
  });

  it("runs an app by digest on loopback only, and refuses a tag", () => {
    const ref = `localhost:5001/studentbook@sha256:${"a".repeat(64)}`;
    expect(runContainerStep({ name: "app", ref, hostPort: 8090, containerPort: 8080 }).invocations[0]?.argv).toEqual([
      "docker",
      "run",
      "-d",
      "--name",
      "app",
      "-p",
      "127.0.0.1:8090:8080",
      ref,
    ]);
    expect(() => runContainerStep({ name: "app", ref: "localhost:5001/studentbook:1.0", hostPort: 8090, containerPort: 8080 })).toThrow(
      /the image to run must be pinned by digest/,
    );
  });
});

describe("removeBuiltTagStep", () => {
  const run = promisify(execFile);
  /** A docker stand-in: `image inspect` prints the given repo digests (or fails), `image rm` is logged. */
  function fakeDocker(repoDigests: string | undefined): { docker: string; log: string } {
    const dir = mkdtempSync(join(workDir, "fake-docker-"));
    const log = join(dir, "log");
    const docker = join(dir, "docker");
    writeFileSync(log, "");
    const inspect = repoDigests === undefined ? "echo 'No such image' >&2; exit 1" : `printf '%s\\n' '${repoDigests}'`;
    writeFileSync(docker, `#!/bin/sh\nif [ "$2" = inspect ]; then ${inspect}; exit 0; fi\necho "$@" >>'${log}'\n`, { mode: 0o755 });
    return { docker, log };
  }
  const TAG = "localhost:5001/studentbook:1.0";
  const DIGEST_REF = `localhost:5001/studentbook@sha256:${"c".repeat(64)}`;

  it("removes the build tag while it still points at the digest the lab pushed", async () => {
    const { docker, log } = fakeDocker(DIGEST_REF);
    await run("/bin/sh", ["-c", renderStepScript(removeBuiltTagStep({ docker, tag: TAG, digestRef: DIGEST_REF }))]);
    expect(readFileSync(log, "utf8")).toBe(`image rm ${TAG}\n`);
  });

  it("keeps a tag a newer build moved, and succeeds when the tag is already gone", async () => {
    const moved = fakeDocker(DIGEST_REF.replace(/c+$/, "d".repeat(64)));
    await run("/bin/sh", ["-c", renderStepScript(removeBuiltTagStep({ docker: moved.docker, tag: TAG, digestRef: DIGEST_REF }))]);
    expect(readFileSync(moved.log, "utf8")).toBe("");
    const gone = fakeDocker(undefined);
    await run("/bin/sh", ["-c", renderStepScript(removeBuiltTagStep({ docker: gone.docker, tag: TAG, digestRef: DIGEST_REF }))]);
    expect(readFileSync(gone.log, "utf8")).toBe("");
  });
});
