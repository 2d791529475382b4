import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { attestationPolicyEnv, verifyAttestationPolicyStep, verifyImagePolicyStep } from "./attestation-policy-commands.js";
import { LAB_BUILDER_ID } from "../predicates/provenance.js";
import { renderStepScript, withStepEnvNames, type StepScript } from "../core/step-script.js";

const REF = `localhost:5001/studentbook@sha256:${"ab".repeat(32)}`;
const POLICY = { builderId: LAB_BUILDER_ID, deniedPackages: ["express"] };

function run(step: StepScript, env: Record<string, string>) {
  return promisify(execFile)("/bin/sh", ["-c", renderStepScript(step)], {
    env: { PATH: process.env.PATH ?? "", ...withStepEnvNames(env) },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** A stand-in cosign running `body` (sh), in a fresh directory. */
function fakeCosign(body: string | ((dir: string) => string)): { cosign: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "policy-step-"));
  const cosign = join(dir, "cosign");
  writeFileSync(cosign, `#!/bin/sh\n${typeof body === "string" ? body : body(dir)}\n`, { mode: 0o755 });
  return { cosign, dir };
}

describe("attestation policy steps", () => {
  it("verify-attestation of one type with the key, the type and the policy file written from its variable", () => {
    const script = renderStepScript(verifyAttestationPolicyStep({ ref: REF, type: "slsaprovenance1", format: "legacy" }));
    expect(script).toContain(`printenv LAB_PROVENANCE_POLICY >"\${lab_tmp}"/slsaprovenance1-policy.rego`);
    expect(script).toContain(
      `cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --insecure-ignore-tlog --new-bundle-format=false --type slsaprovenance1 --policy "\${lab_tmp}"/slsaprovenance1-policy.rego ${REF} >/dev/null`,
    );
    const sbom = renderStepScript(verifyAttestationPolicyStep({ ref: REF, type: "cyclonedx-json", format: "bundle" }));
    expect(sbom).toContain(`printenv LAB_SBOM_POLICY >"\${lab_tmp}"/cyclonedx-policy.rego`);
    expect(sbom).toContain("--type cyclonedx --policy");
    expect(sbom).not.toContain(LAB_BUILDER_ID);
  });

  it("the image policy checks the signature, then provenance, then the SBOM", () => {
    const step = verifyImagePolicyStep({ ref: REF, sbomFormat: "spdx-json", format: "legacy" });
    const tools = step.invocations.map((i) =>
      i.argv[3] === "served" ? "manifest served" : i.argv.slice(7, 9).join(" ") || i.argv.join(" "),
    );
    expect(tools).toEqual([
      "manifest served",
      "cosign verify",
      "node -e",
      "printenv LAB_PROVENANCE_POLICY",
      "cosign verify-attestation",
      "printenv LAB_SBOM_POLICY",
      "cosign verify-attestation",
    ]);
    const script = renderStepScript(step);
    expect(script.indexOf("--type slsaprovenance1 --policy")).toBeGreaterThan(script.indexOf(" verify --key"));
    expect(script.indexOf("--type spdxjson --policy")).toBeGreaterThan(script.indexOf("--type slsaprovenance1 --policy"));
  });

  it("the policy env carries both rendered modules", () => {
    const env = attestationPolicyEnv(POLICY);
    expect(Object.keys(env)).toEqual(["LAB_PROVENANCE_POLICY", "LAB_SBOM_POLICY"]);
    expect(env.LAB_PROVENANCE_POLICY).toContain(`builder_id = "${LAB_BUILDER_ID}"`);
    expect(env.LAB_SBOM_POLICY).toContain('denied_packages = [{"entry":"express","name":"express"}]');
  });

  describe("failure messages (real sh, stand-in cosign)", () => {
    it("hand cosign the policy from the environment; success prints no rule", async () => {
      const { cosign, dir } = fakeCosign((dir) => `while [ "$1" != --policy ]; do shift; done\ncp "$2" '${dir}/seen.rego'`);
      const step = verifyAttestationPolicyStep({ ref: REF, type: "slsaprovenance1", format: "legacy", cosign, manifestCheck: false });
      const passed = await run(step, attestationPolicyEnv(POLICY));
      expect(passed).toMatchObject({ code: 0 });
      expect(passed.stderr).not.toContain("violated");
      expect(readFileSync(join(dir, "seen.rego"), "utf8")).toBe(`${attestationPolicyEnv(POLICY).LAB_PROVENANCE_POLICY}\n`);
    });

    it("keep the policy's own rule message and add none", async () => {
      const { cosign } = fakeCosign(
        'echo "- expression value, policy rule builder-id violated: the provenance names builder x, is not true" >&2; exit 1',
      );
      const failed = await run(
        verifyAttestationPolicyStep({ ref: REF, type: "slsaprovenance1", format: "legacy", cosign, manifestCheck: false }),
        attestationPolicyEnv(POLICY),
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("policy rule builder-id violated: the provenance names builder x");
      expect(failed.stderr).not.toContain("signed-and-attested");
    });

    it("name signed-and-attested when cosign finds no attestation of the type from the key", async () => {
      const { cosign } = fakeCosign(
        'echo "Error: none of the attestations matched the predicate type: https://slsa.dev/provenance/v1, found: https://spdx.dev/Document" >&2; exit 1',
      );
      const failed = await run(
        verifyAttestationPolicyStep({ ref: REF, type: "slsaprovenance1", format: "legacy", cosign, manifestCheck: false }),
        attestationPolicyEnv(POLICY),
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain("none of the attestations matched the predicate type");
      expect(failed.stderr).toContain(
        `policy rule signed-and-attested violated: no slsaprovenance1 attestation of ${REF} verified with the trusted key`,
      );
    });

    it("name signed-and-attested when the image has no signature, and never run the attestation checks then", async () => {
      const { cosign, dir } = fakeCosign((dir) => `echo "$1" >>'${dir}/calls'\necho "Error: no signatures found" >&2; exit 1`);
      const failed = await run(
        verifyImagePolicyStep({
          ref: REF,
          sbomFormat: "spdx-json",
          format: "legacy",
          cosign,
          node: process.execPath,
          manifestCheck: false,
        }),
        attestationPolicyEnv(POLICY),
      );
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`policy rule signed-and-attested violated: no signature of ${REF} verified with the trusted key`);
      expect(readFileSync(join(dir, "calls"), "utf8")).toBe("verify\n");
    });

    it("fail closed when the policy variable is missing", async () => {
      const { cosign } = fakeCosign("exit 0");
      const failed = await run(
        verifyAttestationPolicyStep({ ref: REF, type: "spdx-json", format: "legacy", cosign, manifestCheck: false }),
        {},
      );
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toContain("lab: printenv failed");
    });
  });
});
