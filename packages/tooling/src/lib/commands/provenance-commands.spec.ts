import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PRIVATE_KEY_FROM_ENV } from "./cosign-commands.js";
import { LAB_BUILD_TYPE, LAB_BUILDER_ID, slsaProvenancePredicate } from "../predicates/provenance.js";
import {
  attestProvenanceStep,
  parseVerifiedStatements,
  PROVENANCE_PREDICATE_FILE,
  provenancePredicateEnv,
  verifyProvenanceStep,
} from "./provenance-commands.js";
import { renderStepScript, withStepEnvNames, type StepScript } from "../core/step-script.js";

const REF = `localhost:5001/studentbook@sha256:${"ab".repeat(32)}`;
const PREDICATE = slsaProvenancePredicate({
  imageDigestRef: REF,
  sourceDigest: "1".repeat(64),
  dockerfile: { path: "Dockerfile", sha256: "2".repeat(64) },
  buildArgs: {},
  baseImage: `node:20@sha256:${"cd".repeat(32)}`,
  builderId: LAB_BUILDER_ID,
  buildType: LAB_BUILD_TYPE,
  startedOn: "2026-11-26T00:00:00Z",
  finishedOn: "2026-11-26T00:00:01Z",
});

function cosignArgv(step: StepScript): unknown[] {
  return [...(step.invocations.find((i) => i.argv[0] === "cosign")?.argv ?? [])];
}

/** Runs the rendered step with sh and `env` as a runner would. */
function run(step: StepScript, env: Record<string, string>) {
  return promisify(execFile)("/bin/sh", ["-c", renderStepScript(step)], {
    env: { PATH: process.env.PATH ?? "", ...withStepEnvNames(env) },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

describe("provenance steps", () => {
  it("attest with --type slsaprovenance1 offline, the predicate file in the step's private directory", () => {
    const step = attestProvenanceStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" });
    expect(step.invocations[0]).toEqual({ argv: ["printenv", "LAB_PROVENANCE_PREDICATE"], stdoutTo: PROVENANCE_PREDICATE_FILE });
    const script = renderStepScript(step);
    expect(script).toContain(
      `cosign attest --key env://COSIGN_PRIVATE_KEY --type slsaprovenance1 --predicate "\${lab_tmp}"/provenance.json --tlog-upload=false --use-signing-config=false --new-bundle-format=false -y ${REF}`,
    );
    expect(script).not.toContain(LAB_BUILDER_ID);
  });

  it("attest in the bundle format with a signed timestamp, and refuse a timestamp in the legacy format", () => {
    const timestamps = { tsaUrl: "http://127.0.0.1:3000/api/v1/timestamp" };
    const script = renderStepScript(
      attestProvenanceStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "bundle", timestamps, registryCaFile: "/ca.crt" }),
    );
    expect(script).toMatch(
      /--type slsaprovenance1 .*--signing-config "\$\{lab_tmp\}"\/signing-config.json --trusted-root "\$\{lab_tmp\}"\/trusted-root.json --new-bundle-format=true --registry-cacert \/ca.crt -y/,
    );
    expect(() => attestProvenanceStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", timestamps })).toThrow(
      /attesting with a signed timestamp needs the bundle/,
    );
  });

  it("refuse a tag reference", () => {
    expect(() => attestProvenanceStep({ ref: "localhost:5001/studentbook:1.0", keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" })).toThrow(
      /must be pinned by digest/,
    );
    expect(() => verifyProvenanceStep({ ref: "localhost:5001/studentbook:1.0", format: "legacy" })).toThrow(/must be pinned by digest/);
  });

  it("hand cosign exactly the predicate from the environment, and fail when the variable is missing (real sh, stand-in cosign)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provenance-step-"));
    const cosign = join(dir, "cosign");
    // The stand-in copies the file after --predicate to a place the test can read.
    writeFileSync(cosign, `#!/bin/sh\nwhile [ "$1" != --predicate ]; do shift; done\ncp "$2" '${join(dir, "seen.json")}'\n`, {
      mode: 0o755,
    });
    const step = attestProvenanceStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", cosign });
    expect((await run(step, provenancePredicateEnv(PREDICATE))).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "seen.json"), "utf8"))).toEqual(PREDICATE);
    const missing = await run(step, {});
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("lab: printenv failed");
  });

  it("verify with the public key from the environment and the same trust options as the SBOM check", () => {
    expect(cosignArgv(verifyProvenanceStep({ ref: REF, format: "bundle" }))).toEqual([
      "cosign",
      "verify-attestation",
      "--key",
      "env://COSIGN_PUBLIC_KEY",
      "--insecure-ignore-tlog",
      "--new-bundle-format=true",
      "--type",
      "slsaprovenance1",
      REF,
    ]);
    const timestamped = renderStepScript(
      verifyProvenanceStep({ ref: REF, format: "bundle", signedTimestamps: true, transparencyLog: true, registryCaFile: "/ca.crt" }),
    );
    expect(timestamped).toMatch(
      /--trusted-root "\$\{lab_tmp\}"\/trusted-root.json --use-signed-timestamps --new-bundle-format=true --type slsaprovenance1 --registry-cacert \/ca.crt/,
    );
    expect(timestamped).not.toContain("--insecure-ignore-tlog");
  });

  it("discard the verified payload unless asked to print the statements", () => {
    const verify = (printStatements?: boolean) => verifyProvenanceStep({ ref: REF, format: "legacy", printStatements }).invocations.at(-1);
    expect(verify()?.stdoutTo).toBe("/dev/null");
    expect(verify(true)).not.toHaveProperty("stdoutTo");
  });

  it("parse the statements out of the DSSE envelopes cosign prints", () => {
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      predicateType: "https://slsa.dev/provenance/v1",
      subject: [{ name: "x", digest: { sha256: "ab".repeat(32) } }],
      predicate: PREDICATE,
    };
    const line = JSON.stringify({
      payloadType: "application/vnd.in-toto+json",
      payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
      signatures: [],
    });
    expect(parseVerifiedStatements(`${line}\n${line}\n`)).toEqual([statement, statement]);
    expect(() => parseVerifiedStatements('{"payloadType":"x"}')).toThrow(/not a DSSE envelope/);
    expect(() => parseVerifiedStatements(JSON.stringify({ payload: Buffer.from("{}").toString("base64") }))).toThrow(
      /not an in-toto statement/,
    );
  });
});
