import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  attachSbomStep,
  attestStep,
  generateKeyPairStep,
  PRIVATE_KEY_FROM_ENV,
  signStep,
  triangulateStep,
  verifyAttestationStep,
  verifyStep,
} from "./cosign-commands.js";
import { renderStepScript } from "../core/step-script.js";

const REF = `localhost:5001/studentbook@sha256:${"ab".repeat(32)}`;
const TAG_REF = "localhost:5001/studentbook:1.0";

/** The argv of the step's cosign command (an SBOM step checks the file first, verify checks claims after). */
function argvOf(step: { invocations: readonly { argv: readonly unknown[] }[] }): unknown[] {
  return [...(step.invocations.find((i) => i.argv[0] === "cosign")?.argv ?? [])];
}

const SBOM_SHA = "5".repeat(64);

/** Runs a rendered step with sh, as a Command would. */
function runScript(script: string) {
  return promisify(execFile)("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH ?? "" } });
}

describe("cosign steps", () => {
  it("sign by digest, offline, in the legacy .sig format by default", () => {
    const step = signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" });
    expect(argvOf(step)).toEqual([
      "cosign",
      "sign",
      "--key",
      "env://COSIGN_PRIVATE_KEY",
      "--tlog-upload=false",
      "--use-signing-config=false",
      "--new-bundle-format=false",
      "-y",
      REF,
    ]);
    expect(step.registryHost).toBe("localhost:5001");
  });

  it("sign and attest with a timestamp through a signing config naming only the lab's TSA, no tlog flags", () => {
    const timestamps = { tsaUrl: "http://127.0.0.1:3000/api/v1/timestamp" };
    for (const step of [
      signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "bundle", timestamps }),
      attestStep({
        ref: REF,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: "/s.json",
        sbomFormat: "spdx-json",
        sbomSha256: SBOM_SHA,
        format: "bundle",
        timestamps,
      }),
    ]) {
      const script = renderStepScript(step);
      expect(script).toContain(`printenv LAB_TRUSTED_ROOT >"\${lab_tmp}"/trusted-root.json`);
      expect(script).toContain(
        "cosign signing-config create --tsa url=http://127.0.0.1:3000/api/v1/timestamp,api-version=1,start-time=2020-01-01T00:00:00Z,operator=signed-image-lab --tsa-config EXACT:1",
      );
      expect(script).toMatch(
        /--signing-config "\$\{lab_tmp\}"\/signing-config.json --trusted-root "\$\{lab_tmp\}"\/trusted-root.json --new-bundle-format=true/,
      );
      expect(script).not.toMatch(/--tlog-upload|--use-signing-config|--timestamp-server-url/);
    }
  });

  it("refuse a timestamp in the legacy format, which cosign cannot sign through a signing config", () => {
    const timestamps = { tsaUrl: "http://127.0.0.1:3000/api/v1/timestamp" };
    expect(() => signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", timestamps })).toThrow(
      /needs the bundle signature format/,
    );
    expect(() =>
      attestStep({
        ref: REF,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: "/s.json",
        sbomFormat: "spdx-json",
        sbomSha256: SBOM_SHA,
        format: "legacy",
        timestamps,
      }),
    ).toThrow(/attesting with a signed timestamp needs the bundle/);
  });

  it("verify with the lab's trusted root and signed timestamps required when asked, and only then", () => {
    for (const step of [
      verifyStep({ ref: REF, format: "bundle", signedTimestamps: true }),
      verifyAttestationStep({ ref: REF, sbomFormat: "spdx-json", format: "bundle", signedTimestamps: true }),
    ]) {
      const script = renderStepScript(step);
      expect(script).toMatch(/--trusted-root "\$\{lab_tmp\}"\/trusted-root.json --use-signed-timestamps/);
      expect(script).toContain("printenv LAB_TRUSTED_ROOT");
    }
    expect(renderStepScript(verifyStep({ ref: REF, format: "bundle" }))).not.toMatch(/trusted-root|use-signed-timestamps/);
  });

  it("log in the lab's Rekor v2 when given one, and drop --insecure-ignore-tlog only when a log is required", () => {
    const timestamps = { tsaUrl: "http://127.0.0.1:3030/api/v1/timestamp", logUrl: "http://127.0.0.1:3031" };
    expect(renderStepScript(signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "bundle", timestamps }))).toContain(
      "--rekor url=http://127.0.0.1:3031,api-version=2,start-time=2020-01-01T00:00:00Z,operator=signed-image-lab --rekor-config EXACT:1",
    );
    for (const step of [
      verifyStep({ ref: REF, format: "bundle", signedTimestamps: true, transparencyLog: true }),
      verifyAttestationStep({ ref: REF, sbomFormat: "spdx-json", format: "bundle", signedTimestamps: true, transparencyLog: true }),
    ]) {
      expect(renderStepScript(step)).not.toContain("--insecure-ignore-tlog");
      expect(renderStepScript(step)).toContain("--use-signed-timestamps");
    }
    expect(renderStepScript(verifyStep({ ref: REF, format: "bundle", signedTimestamps: true }))).toContain("--insecure-ignore-tlog");
    expect(() => verifyStep({ ref: REF, format: "bundle", transparencyLog: true })).toThrow(/needs signedTimestamps/);
  });

  it("switch to the bundle format when asked, for signing and for verifying", () => {
    expect(argvOf(signStep({ ref: REF, keyRef: "hashivault://lab", format: "bundle" }))).toContain("--new-bundle-format=true");
    expect(argvOf(verifyStep({ ref: REF, format: "bundle" }))).toContain("--new-bundle-format=true");
  });

  it.each([
    ["sign", () => signStep({ ref: TAG_REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" })],
    ["verify", () => verifyStep({ ref: TAG_REF, format: "legacy" })],
    [
      "attest",
      () =>
        attestStep({
          ref: TAG_REF,
          keyRef: PRIVATE_KEY_FROM_ENV,
          predicateFile: "/s.json",
          sbomFormat: "spdx-json",
          sbomSha256: SBOM_SHA,
          format: "legacy",
        }),
    ],
    ["verify-attestation", () => verifyAttestationStep({ ref: TAG_REF, sbomFormat: "spdx-json", format: "legacy" })],
    ["attach sbom", () => attachSbomStep({ ref: TAG_REF, sbomFile: "/s.json", sbomFormat: "spdx-json", sbomSha256: SBOM_SHA })],
    ["triangulate", () => triangulateStep({ ref: TAG_REF })],
  ])("%s refuses a tag reference", (_name, build) => {
    expect(build).toThrow(/must be pinned by digest/);
  });

  it("trust a private registry CA for signing and verifying only when given, with no insecure flag", () => {
    const sign = argvOf(signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy", registryCaFile: "/ca/ca.crt" }));
    expect(sign.slice(-4)).toEqual(["--registry-cacert", "/ca/ca.crt", "-y", REF]);
    const verify = argvOf(verifyStep({ ref: REF, format: "legacy", registryCaFile: "/ca/ca.crt" }));
    expect(verify).toEqual(expect.arrayContaining(["--registry-cacert", "/ca/ca.crt"]));
    expect([...sign, ...verify].join(" ")).not.toMatch(/insecure-registry|allow-http/);
    expect(argvOf(verifyStep({ ref: REF, format: "legacy" }))).not.toContain("--registry-cacert");
  });

  it("verify with the public key from the environment, without the transparency log", () => {
    const argv = argvOf(verifyStep({ ref: REF, format: "legacy" }));
    expect(argv.slice(0, 5)).toEqual(["cosign", "verify", "--key", "env://COSIGN_PUBLIC_KEY", "--insecure-ignore-tlog"]);
    expect(argv.at(-1)).toBe(REF);
  });

  it("attest and verify the SBOM under the cosign predicate type of its format", () => {
    const spdx = argvOf(
      attestStep({
        ref: REF,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: "/w/sbom.spdx.json",
        sbomFormat: "spdx-json",
        sbomSha256: SBOM_SHA,
        format: "legacy",
      }),
    );
    expect(spdx).toEqual(expect.arrayContaining(["--type", "spdxjson", "--predicate", "/w/sbom.spdx.json", "--tlog-upload=false"]));
    const cdx = argvOf(verifyAttestationStep({ ref: REF, sbomFormat: "cyclonedx-json", format: "legacy" }));
    expect(cdx).toEqual(expect.arrayContaining(["--type", "cyclonedx", "--key", "env://COSIGN_PUBLIC_KEY"]));
  });

  it("attach the SBOM as the seed does, with its type and input format", () => {
    expect(argvOf(attachSbomStep({ ref: REF, sbomFile: "/w/s.json", sbomFormat: "spdx-json", sbomSha256: SBOM_SHA }))).toEqual([
      "cosign",
      "attach",
      "sbom",
      "--sbom",
      "/w/s.json",
      "--type",
      "spdx",
      "--input-format",
      "json",
      REF,
    ]);
  });

  it("attest and attach refuse an SBOM file that changed since the scan, before cosign runs (real sh, sha256sum)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sbom-check-"));
    const sbomFile = join(dir, "it's sbom.json");
    const scanned = '{"packages":[]}';
    writeFileSync(sbomFile, scanned);
    const fakeCosign = join(dir, "cosign");
    writeFileSync(fakeCosign, `#!/bin/sh\necho cosign-ran\n`, { mode: 0o755 });
    const sha = createHash("sha256").update(scanned).digest("hex");
    const steps = (sbomSha256: string) => [
      attestStep({
        ref: REF,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: sbomFile,
        sbomFormat: "spdx-json",
        sbomSha256,
        format: "legacy",
        cosign: fakeCosign,
      }),
      attachSbomStep({ ref: REF, sbomFile, sbomFormat: "spdx-json", sbomSha256, cosign: fakeCosign }),
    ];
    for (const step of steps(sha)) {
      expect((await runScript(renderStepScript(step))).stdout).toBe("cosign-ran\n");
    }
    writeFileSync(sbomFile, '{"packages":[{"name":"planted"}]}');
    for (const step of steps(sha)) {
      const refused = await runScript(renderStepScript(step)).catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect(refused).toMatchObject({ code: 1, stdout: "" });
      expect((refused as { stderr: string }).stderr).toContain(`is not the SBOM the scan wrote`);
    }
    expect(() => steps("not-a-sha")).toThrow(/not a sha256/);
  });

  it("generate the key pair in the step's private directory and print both PEMs", () => {
    const script = renderStepScript(generateKeyPairStep({ cosign: "/opt/my tools/cosign" }));
    expect(script).toContain(`'/opt/my tools/cosign' generate-key-pair --output-key-prefix "\${lab_tmp}"/cosign >/dev/null`);
    expect(script).toContain(`cat "\${lab_tmp}"/cosign.key "\${lab_tmp}"/cosign.pub`);
  });

  it("put no key material or password in any command string", () => {
    const scripts = [
      signStep({ ref: REF, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" }),
      attestStep({
        ref: REF,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: "/s",
        sbomFormat: "spdx-json",
        sbomSha256: SBOM_SHA,
        format: "legacy",
      }),
      verifyStep({ ref: REF, format: "legacy" }),
    ].map(renderStepScript);
    for (const script of scripts) {
      expect(script).not.toMatch(/BEGIN|--registry-password|COSIGN_PASSWORD=/);
    }
  });

  describe("verify's claim check (real sh and node, a stand-in cosign that prints given claims)", () => {
    const DIGEST = REF.split("@")[1] ?? "";
    const signature = (digest: string) => ({
      critical: { type: "cosign container image signature", image: { "docker-manifest-digest": digest } },
    });
    const attestation = {
      _type: "https://in-toto.io/Statement/v0.1",
      predicateType: "https://spdx.dev/Document",
      subject: [{ digest: { sha256: DIGEST.slice(7) } }],
    };

    async function verifyWithClaims(output: string) {
      const dir = mkdtempSync(join(tmpdir(), "verify-claims-"));
      const fakeCosign = join(dir, "cosign");
      writeFileSync(join(dir, "claims"), output);
      writeFileSync(fakeCosign, `#!/bin/sh\ncat '${join(dir, "claims")}'\n`, { mode: 0o755 });
      const script = renderStepScript(
        verifyStep({ ref: REF, format: "bundle", cosign: fakeCosign, node: process.execPath, manifestCheck: false }),
      );
      return promisify(execFile)("/bin/sh", ["-c", script]).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    }

    it("passes a bundle-format signature claim of this digest", async () => {
      const bundleSignature = { critical: { type: "https://sigstore.dev/cosign/sign/v1", image: { "docker-manifest-digest": DIGEST } } };
      expect((await verifyWithClaims(JSON.stringify([bundleSignature]))).code).toBe(0);
    });

    it("passes a signature claim of this digest through", async () => {
      const result = await verifyWithClaims(JSON.stringify([attestation, signature(DIGEST)]));
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toHaveLength(2);
    });

    it.each([
      ["only an SBOM attestation", JSON.stringify([attestation])],
      ["a signature of another digest", JSON.stringify([signature(`sha256:${"0".repeat(64)}`)])],
      ["no JSON at all", "Verification for x --"],
    ])("fails closed on %s", async (_what, output) => {
      const result = await verifyWithClaims(output);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no cosign image signature of ${DIGEST}`);
    });
  });

  it("first ask the registry for the manifest by digest in every verify step (cosign verifies without it)", () => {
    for (const step of [
      verifyStep({ ref: REF, format: "legacy" }),
      verifyAttestationStep({ ref: REF, sbomFormat: "spdx-json", format: "bundle" }),
    ]) {
      const [first] = step.invocations;
      expect(first?.argv.slice(0, 2)).toEqual(["node", "-e"]);
      expect(first?.argv.slice(3)).toEqual(["served", "http://localhost:5001", "studentbook", REF.split("@")[1], "", ""]);
    }
    expect(verifyStep({ ref: REF, format: "legacy", manifestCheck: false }).invocations[0]?.argv[0]).toBe("cosign");
  });

  it("fail closed, naming the digest, when the registry does not serve the manifest: cosign never runs (real sh and node)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verify-manifest-"));
    const fakeCosign = join(dir, "cosign");
    writeFileSync(
      fakeCosign,
      `#!/bin/sh
touch '${join(dir, "ran")}'
echo '[]'
`,
      { mode: 0o755 },
    );
    const gone = `127.0.0.1:1/studentbook@${REF.split("@")[1]}`;
    const failed = await runScript(
      renderStepScript(verifyStep({ ref: gone, format: "legacy", cosign: fakeCosign, node: process.execPath })),
    ).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`could not ask the registry about ${gone}`);
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("trust a private registry CA in every step that talks to the registry", () => {
    const tls = { ref: REF, registryCaFile: "/lab/ca/ca.crt" };
    const steps = [
      signStep({ ...tls, keyRef: PRIVATE_KEY_FROM_ENV, format: "legacy" }),
      verifyStep({ ...tls, format: "legacy" }),
      triangulateStep(tls),
      attachSbomStep({ ...tls, sbomFile: "/s", sbomFormat: "spdx-json", sbomSha256: SBOM_SHA }),
      attestStep({
        ...tls,
        keyRef: PRIVATE_KEY_FROM_ENV,
        predicateFile: "/s",
        sbomFormat: "spdx-json",
        sbomSha256: SBOM_SHA,
        format: "legacy",
      }),
      verifyAttestationStep({ ...tls, sbomFormat: "spdx-json", format: "legacy" }),
    ];
    for (const step of steps) {
      const argv = argvOf(step);
      expect(argv[argv.indexOf("--registry-cacert") + 1]).toBe("/lab/ca/ca.crt");
      expect(argv.at(-1)).toBe(REF);
    }
  });
});
