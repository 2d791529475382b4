import { afterAll, beforeAll } from "vitest";
import { LabFixture, type TestRegistry, type TestUser } from "./lab-fixture.js";
import type { LabTools } from "./lab-tools.js";
import { generateKey, type TestKey } from "./signing.js";

/** What the signing specs start from: a registry with auth, two keys, studentbook pushed. */
export interface SigningLab {
  readonly lab: LabFixture;
  readonly registry: TestRegistry;
  /** The step environment with the registry user's credentials. */
  readonly auth: Record<string, string>;
  /** The key the lab signs with. */
  readonly labKey: TestKey;
  /** Another key, for checks that must fail. */
  readonly otherKey: TestKey;
  /** studentbook as pushed, pinned by digest. */
  readonly ref: string;
}

/** The registry user of the signing specs. */
export const ALICE: TestUser = { username: "alice", password: "reg-pw" };

/**
 * Starts a {@link SigningLab} before the spec file's tests and cleans it up after them. The
 * returned object is filled in by `beforeAll`; read it inside tests and hooks only.
 */
export function useSigningLab(tools: LabTools | undefined): SigningLab {
  const env = {} as { -readonly [K in keyof SigningLab]: SigningLab[K] };
  beforeAll(async () => {
    if (!tools) return;
    env.lab = new LabFixture(tools);
    env.registry = await env.lab.startRegistry([ALICE]);
    env.auth = env.registry.credentials(ALICE);
    [env.labKey, env.otherKey] = await Promise.all([generateKey(tools, "lab-key-pw"), generateKey(tools, "other-pw")]);
    env.ref = await env.lab.pushStudentbook(env.registry, "studentbook", env.auth);
  });
  afterAll(() => env.lab?.cleanup());
  return env;
}
