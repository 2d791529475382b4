import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { verifyStep } from "./cosign-commands.js";
import { promoteStep } from "./promotion-commands.js";
import { expand } from "../core/shell-words.js";
import {
  REGISTRY_CONFIG_FILE,
  renderStepScript,
  SecretEnv,
  STEP_TMP,
  TARGET_REGISTRY_CONFIG_FILE,
  withStepEnvNames,
} from "../core/step-script.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const SOURCE = `localhost:5001/studentbook@${DIGEST}`;
const HEX = "ab".repeat(32);
const argvOf = (step: ReturnType<typeof promoteStep>) => step.invocations.map((i) => i.argv);
const run = promisify(execFile);

describe("promoteStep", () => {
  it("verifies the source with the verify step's own commands before anything is copied", () => {
    const step = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/prod/studentbook", format: "bundle" });
    const verify = verifyStep({ ref: SOURCE, format: "bundle" });
    expect(argvOf(step).slice(0, verify.invocations.length)).toEqual(verify.invocations.map((i) => i.argv));
    expect(argvOf(step).findIndex((argv) => argv.includes("cp"))).toBe(verify.invocations.length);
    // Only the target reference reaches stdout: the verified claims go nowhere.
    expect(step.invocations.slice(0, -1).every((i) => i.stdoutTo !== undefined)).toBe(true);
  });

  it("copies by digest with referrers, the loopback sides over plain HTTP, each with its own docker config", () => {
    const step = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/prod/studentbook", format: "bundle" });
    const copies = argvOf(step).filter((argv) => argv[1] === "cp");
    expect(copies).toEqual([
      [
        "oras",
        "cp",
        "-r",
        "--no-tty",
        "--from-registry-config",
        REGISTRY_CONFIG_FILE,
        "--from-plain-http=true",
        "--to-registry-config",
        TARGET_REGISTRY_CONFIG_FILE,
        "--to-plain-http=true",
        SOURCE,
        `localhost:5002/prod/studentbook@${DIGEST}`,
      ],
    ]);
    expect(step.invocations.at(-1)?.argv).toEqual([
      "oras",
      "resolve",
      "--full-reference",
      "--registry-config",
      TARGET_REGISTRY_CONFIG_FILE,
      "--plain-http=true",
      `localhost:5002/prod/studentbook@${DIGEST}`,
    ]);
    expect(step).toMatchObject({ registryHost: "localhost:5001", targetRegistryHost: "localhost:5002" });
  });

  it("copies the legacy .sig and .att tags, and the .sbom tag when an SBOM is attached", () => {
    const legacy = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/prod/app", format: "legacy", sbomAttached: true });
    const tags = argvOf(legacy)
      .filter((argv) => argv[1] === "cp" && !argv.includes("-r"))
      .map((argv) => argv.slice(-2));
    expect(tags).toEqual(
      ["sig", "att", "sbom"].map((s) => [`localhost:5001/studentbook:sha256-${HEX}.${s}`, `localhost:5002/prod/app:sha256-${HEX}.${s}`]),
    );
    const signedOnly = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/prod/app", format: "legacy", attested: false });
    expect(
      argvOf(signedOnly)
        .filter((argv) => argv[1] === "cp")
        .map((argv) => argv.at(-1)),
    ).toEqual([`localhost:5002/prod/app@${DIGEST}`, `localhost:5002/prod/app:sha256-${HEX}.sig`]);
    const bundle = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/prod/app", format: "bundle", sbomAttached: true });
    expect(
      argvOf(bundle)
        .filter((argv) => argv[1] === "cp")
        .map((argv) => argv.at(-1)),
    ).toEqual([`localhost:5002/prod/app@${DIGEST}`, `localhost:5002/prod/app:sha256-${HEX}.sbom`]);
  });

  it("trusts each side's CA for that side only, over verified TLS, and never plain HTTP off loopback", () => {
    const step = promoteStep({
      sourceRef: `registry.example.com/app@${DIGEST}`,
      targetRepository: "localhost:5002/app",
      format: "bundle",
      targetCaFile: "/ca/target.pem",
    });
    const copy = argvOf(step).find((argv) => argv[1] === "cp")!;
    expect(copy).toContain("--from-plain-http=false");
    expect(copy).not.toContain("--from-ca-file");
    expect(copy.join(" ")).toContain("--to-plain-http=false --to-ca-file /ca/target.pem");
    expect(step.invocations.at(-1)?.argv).toEqual(expect.arrayContaining(["--plain-http=false", "--ca-file", "/ca/target.pem"]));
    const fromCa = promoteStep({
      sourceRef: SOURCE,
      targetRepository: "localhost:5002/app",
      format: "legacy",
      sourceCaFile: "/ca/source.pem",
    });
    expect(argvOf(fromCa)[0]?.slice(3)).toEqual(["served", "https://localhost:5001", "studentbook", DIGEST, "", "/ca/source.pem"]);
    expect(argvOf(fromCa)[1]).toEqual(expect.arrayContaining(["--registry-cacert", "/ca/source.pem"]));
    expect(
      argvOf(fromCa)
        .find((argv) => argv[1] === "cp")!
        .join(" "),
    ).toContain("--from-plain-http=false --from-ca-file /ca/source.pem");
  });

  it("takes a tag for the target, and refuses a tag source, a target with tag or digest, the same repository and a bad tag", () => {
    const tagged = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5002/app", format: "bundle", targetTag: "1.0" });
    expect(
      argvOf(tagged)
        .find((argv) => argv[1] === "cp")
        ?.at(-1),
    ).toBe("localhost:5002/app:1.0");
    expect(tagged.invocations.at(-1)?.argv.at(-1)).toBe(`localhost:5002/app@${DIGEST}`);
    const base = { sourceRef: SOURCE, targetRepository: "localhost:5002/app", format: "bundle" } as const;
    expect(() => promoteStep({ ...base, sourceRef: "localhost:5001/studentbook:1.0" })).toThrow(/sourceRef .* pinned by digest/);
    for (const targetRepository of ["localhost:5002/app:1.0", `localhost:5002/app@${DIGEST}`, "app", "localhost:5002/App", "-x/app"]) {
      expect(() => promoteStep({ ...base, targetRepository }), targetRepository).toThrow(/targetRepository must be host\[:port\]\/name/);
    }
    expect(() => promoteStep({ ...base, targetRepository: "localhost:5001/studentbook" })).toThrow(/nothing to promote/);
    expect(() => promoteStep({ ...base, targetTag: "1.0; rm -rf /" })).toThrow(/targetTag is not a tag/);
  });

  it("writes each registry's credentials from the environment to its own private config, never into the script", async () => {
    const step = promoteStep({ sourceRef: SOURCE, targetRepository: "localhost:5001/prod/studentbook", format: "bundle" });
    const script = renderStepScript({
      ...step,
      invocations: [{ argv: ["cat", REGISTRY_CONFIG_FILE, TARGET_REGISTRY_CONFIG_FILE] }, { argv: ["stat", "-c", "%a", expand(STEP_TMP)] }],
    });
    const env = {
      [SecretEnv.registryUsername]: "stager",
      [SecretEnv.registryPassword]: "stage-pw",
      [SecretEnv.targetRegistryUsername]: "releaser",
      [SecretEnv.targetRegistryPassword]: "rel 'pw\" $HOME",
    };
    for (const value of Object.values(env)) expect(renderStepScript(step)).not.toContain(value);
    const { stdout } = await run("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH ?? "", ...withStepEnvNames(env) } });
    const [sourceConfig, targetConfig, mode] = stdout.trim().split("\n");
    const auth = (config: string | undefined) =>
      Buffer.from(
        (JSON.parse(config ?? "") as { auths: Record<string, { auth: string }> }).auths["localhost:5001"]!.auth,
        "base64",
      ).toString();
    expect(auth(sourceConfig)).toBe("stager:stage-pw");
    expect(auth(targetConfig)).toBe(`releaser:rel 'pw" $HOME`);
    expect(mode).toBe("700");
  });
});
