import { pullImageStep, registryHostOf, runStep } from "@signed-image-lab/tooling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LabFixture, type TestRegistry } from "./support/lab-fixture.js";
import { labToolsOrSkip } from "./support/lab-tools.js";

const tools = labToolsOrSkip("registry");
const alice = { username: "alice", password: "alice's s3cret:pw" };

describe.skipIf(!tools)("registry (real distribution in docker)", () => {
  let lab: LabFixture;
  let open: TestRegistry;
  let locked: TestRegistry;

  beforeAll(async () => {
    lab = new LabFixture(tools!);
    [open, locked] = [await lab.startRegistry(), await lab.startRegistry([alice])];
  });
  afterAll(() => lab?.cleanup());

  it("without auth: push and pull work", async () => {
    const ref = await lab.pushStudentbook(open);
    expect(ref).toMatch(new RegExp(`^${open.endpoint}/studentbook@sha256:[a-f0-9]{64}$`));
    const pull = await runStep(pullImageStep({ ref, registryHost: open.endpoint, docker: tools!.docker }));
    expect(pull.stderr).toBe("");
    expect(pull.exitCode).toBe(0);
  });

  it("with htpasswd auth: an anonymous push is refused with 401", async () => {
    const v2 = await fetch(`http://${locked.endpoint}/v2/`);
    expect(v2.status).toBe(401);
    await expect(lab.pushStudentbook(locked, "anonymous")).rejects.toThrow(
      /unauthorized|no basic auth credentials|authentication required/i,
    );
  });

  it("with htpasswd auth: a wrong password is refused, naming the registry", async () => {
    const wrong = locked.credentials({ username: "alice", password: "wrong" });
    const failure = await lab.pushStudentbook(locked, "wrong-password", wrong).then(
      () => "pushed",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/unauthorized|authentication required/i);
    expect(failure).toContain(registryHostOf(`${locked.endpoint}/x`));
  });

  it("with htpasswd auth: the right credentials push, and the lines came from the lab's htpasswd code", async () => {
    const ref = await lab.pushStudentbook(locked, "studentbook", locked.credentials(alice));
    expect(ref).toMatch(new RegExp(`^${locked.endpoint}/studentbook@sha256:[a-f0-9]{64}$`));
  });

  it("leaves nothing behind: containers, volumes, images and temporary directories are gone", async () => {
    await lab.cleanup();
    expect(await lab.leftovers()).toEqual({ containers: [], volumes: [], images: [], tempDirs: [] });
  });
});
