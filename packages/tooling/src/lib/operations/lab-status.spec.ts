import { describe, expect, it } from "vitest";
import { checkDeployedImage, errorLine, parseDeployedLab, renderStatusTable, type DeployedLab, type StepRun } from "./lab-status.js";
import { renderStepScript } from "../core/step-script.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;
const LAB: DeployedLab = {
  publicKey: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n",
  signatureFormat: "legacy",
  sbomFormat: "spdx-json",
  images: {
    studentbook: {
      digestRef: `localhost:5001/studentbook@${DIGEST}`,
      taggedRef: "localhost:5001/studentbook:1.0",
      attestedRef: `localhost:5001/studentbook@${DIGEST}`,
      sbomPackageCount: 180,
    },
  },
};

/** Answers each step by the tool subcommand it runs, recording the environments it got. */
function fakeRegistry(answers: { served?: boolean; tagDigest?: string; verify?: number; attest?: number }): {
  run: StepRun;
  envs: Record<string, string>[];
} {
  const envs: Record<string, string>[] = [];
  const run: StepRun = async (step, env) => {
    envs.push(env);
    const script = renderStepScript(step);
    const result = (exitCode: number, stdout = "", stderr = "") => ({ exitCode, stdout, stderr, timedOut: false, durationMs: 1 });
    if (step.invocations.length === 1 && step.invocations[0]?.argv[3] === "served") {
      const missing = "the registry does not serve the manifest of localhost:5001/studentbook@sha256:aaaa (HTTP 404): the image is gone";
      return answers.served === false ? result(1, "", missing) : result(0);
    }
    if (script.includes(" inspect "))
      return answers.tagDigest ? result(0, JSON.stringify({ Digest: answers.tagDigest })) : result(1, "", "manifest unknown");
    if (script.includes(" verify-attestation "))
      return result(answers.attest ?? 0, "", answers.attest ? "Error: no matching attestations" : "");
    if (script.includes(" verify ")) return result(answers.verify ?? 0, "", answers.verify ? "Error: no signatures found" : "");
    throw new Error(`unexpected step:\n${script}`);
  };
  return { run, envs };
}

describe("checkDeployedImage", () => {
  const image = LAB.images.studentbook!;

  it("reports an image that is as deployed", async () => {
    const { run, envs } = fakeRegistry({ tagDigest: DIGEST });
    const status = await checkDeployedImage("studentbook", image, LAB, run, { LAB_REGISTRY_USERNAME: "alice" });
    expect(status).toMatchObject({ served: true, tag: "same", signed: true, attested: true, packages: 180, problems: [] });
    expect(envs.every((env) => env.LAB_REGISTRY_USERNAME === "alice")).toBe(true);
    expect(envs.some((env) => env.COSIGN_PUBLIC_KEY === LAB.publicKey)).toBe(true);
  });

  it("verifies with the pinned verifyPublicKey, not the signing key, when the stack pinned one", async () => {
    const pinned = "-----BEGIN PUBLIC KEY-----\npinned\n-----END PUBLIC KEY-----\n";
    const { run, envs } = fakeRegistry({ tagDigest: DIGEST });
    await checkDeployedImage("studentbook", image, { ...LAB, verifyPublicKey: pinned }, run);
    const verifierKeys = envs.map((env) => env.COSIGN_PUBLIC_KEY).filter((k) => k !== undefined);
    expect(verifierKeys).toEqual([pinned, pinned]);
    expect(parseDeployedLab(JSON.stringify({ ...LAB, verifyPublicKey: pinned })).verifyPublicKey).toBe(pinned);
  });

  it("trusts the registry's CA in every check when the lab registry serves TLS", async () => {
    const scripts: string[] = [];
    const { run } = fakeRegistry({ tagDigest: DIGEST });
    const recording: StepRun = (step, env) => {
      scripts.push(renderStepScript(step));
      return run(step, env);
    };
    const status = await checkDeployedImage("studentbook", image, { ...LAB, registryCaFile: "/lab/dev/registry-ca/ca.crt" }, recording);
    expect(status.problems).toEqual([]);
    expect(scripts[0]).toContain("served https://localhost:5001 studentbook");
    expect(scripts[0]).toMatch(/ \/lab\/dev\/registry-ca\/ca\.crt$/);
    expect(scripts[1]).toContain(`cp -- /lab/dev/registry-ca/ca.crt "\${lab_tmp}"/certs/ca.crt`);
    expect(scripts[1]).toContain(`--tls-verify=true --cert-dir "\${lab_tmp}"/certs`);
    expect(scripts.slice(2).every((s) => s.includes("--registry-cacert /lab/dev/registry-ca/ca.crt"))).toBe(true);
    expect(scripts).toHaveLength(4);
  });

  it("catches a tag that was moved to another image", async () => {
    const status = await checkDeployedImage("studentbook", image, LAB, fakeRegistry({ tagDigest: OTHER }).run);
    expect(status.problems).toEqual([`tag localhost:5001/studentbook:1.0 now points to ${OTHER}`]);
  });

  it("fails closed on a manifest the registry no longer serves: nothing else is asked, naming the digest", async () => {
    const scripts: string[] = [];
    const { run } = fakeRegistry({ served: false, tagDigest: DIGEST });
    const recording: StepRun = (step, env) => {
      scripts.push(renderStepScript(step));
      return run(step, env);
    };
    const status = await checkDeployedImage("studentbook", image, LAB, recording);
    expect(status).toMatchObject({ served: false, signed: false, attested: false });
    expect(status.problems).toEqual([expect.stringMatching(/^manifest: the registry does not serve the manifest of .*@sha256:aaaa/)]);
    expect(scripts).toHaveLength(1);
    expect(renderStatusTable([status])).toMatch(/^studentbook\s+sha256:aaaaaaaaaaaa…\s+NO\s+-\s+NO\s+NO\s+-$/m);
  });

  it("catches a deleted signature and a deleted attestation", async () => {
    const status = await checkDeployedImage("studentbook", image, LAB, fakeRegistry({ tagDigest: DIGEST, verify: 10, attest: 1 }).run);
    expect(status.signed).toBe(false);
    expect(status.attested).toBe(false);
    expect(status.problems).toEqual(["signature: Error: no signatures found", "attestation: Error: no matching attestations"]);
  });
});

describe("parseDeployedLab and renderStatusTable", () => {
  it("refuses outputs of a stack that is not up, or a tag where a digest belongs", () => {
    expect(() => parseDeployedLab("{}")).toThrow(/no publicKey: is the lab up\?/);
    expect(() => parseDeployedLab(JSON.stringify({ publicKey: "k", images: {} }))).toThrow(/no images/);
    expect(() => parseDeployedLab(JSON.stringify({ publicKey: "k", images: { a: { digestRef: "localhost:5001/a:1" } } }))).toThrow(
      /images\.a\.digestRef must be pinned by digest/,
    );
  });

  it("renders one row per image and lists mismatches under it", () => {
    const table = renderStatusTable([
      { name: "studentbook", digest: DIGEST, served: true, tag: "same", signed: true, attested: true, packages: 180, problems: [] },
      {
        name: "team/api",
        digest: OTHER,
        served: true,
        tag: "-",
        signed: false,
        packages: 12,
        problems: ["signature: Error: no signatures found"],
      },
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/^image\s+digest\s+served\s+tag\s+signed\+verified\s+attested\s+SBOM packages$/);
    expect(lines[2]).toMatch(/^studentbook\s+sha256:aaaaaaaaaaaa…\s+yes\s+same\s+yes\s+yes\s+180$/);
    expect(lines[3]).toMatch(/^team\/api\s+sha256:bbbbbbbbbbbb…\s+yes\s+-\s+NO\s+-\s+12$/);
    expect(table).toContain("MISMATCH:\n  team/api: signature: Error: no signatures found");
  });
});

describe("errorLine", () => {
  it("names cosign's error even when the step's shell printed another failing line first", () => {
    // Seen in CI: another step removed its temp folder while this step's sweep read its pid.
    const stderr = [
      "cat: /tmp/lab-step.lzL4iD/pid: No such file or directory",
      "Error: no signatures found",
      "error during command execution: no signatures found",
    ].join("\n");
    expect(errorLine(stderr)).toBe("Error: no signatures found");
  });

  it("takes a refusal line where no line says error, else the last line", () => {
    expect(errorLine("checking\nSource image rejected: signature invalid\n")).toBe("Source image rejected: signature invalid");
    expect(errorLine("one\ntwo\n")).toBe("two");
  });
});
