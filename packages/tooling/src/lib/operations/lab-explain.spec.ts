import { describe, expect, it } from "vitest";
import { explainedConfig, explainLab, renderExplanation, type ExplainedOutputs } from "./lab-explain.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const REF = `localhost:5001/studentbook@${DIGEST}`;
/** Stack outputs of a default lab, as `pulumi stack output --json` prints them. */
const OUTPUTS: ExplainedOutputs = {
  registryEndpoint: "localhost:5001",
  publicKeyFingerprint: "f".repeat(64),
  images: {
    studentbook: {
      digestRef: REF,
      taggedRef: "localhost:5001/studentbook:1.0",
      verifiedRef: REF,
      signatureRef: `localhost:5001/studentbook:sha256-${"ab".repeat(32)}.sig`,
      attestedRef: REF,
      sbomFile: "/repo/.lab/dev/studentbook.spdx.json",
      sbomSha256: "c".repeat(64),
      sbomPackageCount: 120,
      inspection: { digest: DIGEST, layers: ["sha256:1", "sha256:2"] },
      admittedRef: REF,
      ociArchive: { file: "/repo/.lab/dev/studentbook.oci.tar", sha256: "d".repeat(64) },
    },
  },
  appUrl: "http://localhost:8090/",
  appRef: REF,
  signatureFormat: "legacy",
  sbomFormat: "spdx-json",
  transparency: "off",
};
const CONFIG = explainedConfig(JSON.stringify({ "signed-image-lab:cosignPassword": { secret: true } }));

describe("lab:explain", () => {
  const lab = explainLab(OUTPUTS, CONFIG, "dev");
  const step = (seed: string) => lab.steps.find((s) => s.seed === seed)!;

  it("covers every seed step and both challenges, in the seed's order", () => {
    expect(lab.steps.map((s) => s.seed)).toEqual([
      "1.1",
      "1.2",
      "1.3",
      "1.4",
      "1.5",
      "2.1",
      "2.2",
      "3.0",
      "3.1",
      "3.2",
      "challenge 1",
      "challenge 2",
    ]);
  });

  it("prints the commands the graph's own builders make, the key as env://, no secret", () => {
    expect(step("3.0").ran).toEqual(
      expect.arrayContaining([
        `cosign sign --key env://COSIGN_PRIVATE_KEY --tlog-upload=false --use-signing-config=false --new-bundle-format=false -y ${REF}`,
        expect.stringMatching(
          new RegExp(
            `^cosign verify --key env://COSIGN_PUBLIC_KEY .*--new-bundle-format=false .*${REF.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
          ),
        ),
        `cosign triangulate --type signature ${REF}`,
      ]),
    );
    expect(step("1.4").ran).toContain(`skopeo inspect --tls-verify=false docker://${REF}`);
    expect(step("1.4").ran).toContain(
      `skopeo --insecure-policy copy --quiet --src-tls-verify=false docker://${REF} oci-archive:/repo/.lab/dev/studentbook.oci.tar.partial`,
    );
    expect(step("3.1").ran.join("\n")).toContain(
      `syft scan registry:${REF} --scope all-layers -o spdx-json=/repo/.lab/dev/studentbook.spdx.json.partial`,
    );
    expect(step("3.2").ran.join("\n")).toMatch(/cosign attach sbom .*cosign attest .*--type spdxjson/s);
    expect(JSON.stringify(lab)).not.toMatch(/PRIVATE KEY|password=|COSIGN_PASSWORD=/);
  });

  it("gives checks with stock tools against the digest, the lab's key as a file", () => {
    expect(lab.setup).toEqual(['eval "$(npm run -s lab:env)"', "pulumi stack output verifyPublicKey > lab.pub"]);
    expect(step("3.0").check).toEqual([
      `cosign verify --key lab.pub --insecure-ignore-tlog --new-bundle-format=false ${REF} >/dev/null`,
      `cosign triangulate ${REF}   # ${OUTPUTS.images.studentbook!.signatureRef}`,
    ]);
    expect(step("1.4").check).toEqual([
      `skopeo inspect --tls-verify=false docker://${REF}`,
      "skopeo inspect oci-archive:/repo/.lab/dev/studentbook.oci.tar",
      `printf '%s  %s\\n' ${"d".repeat(64)} /repo/.lab/dev/studentbook.oci.tar | sha256sum -c`,
    ]);
    expect(step("1.5").check).toEqual(["curl -fsS http://localhost:8090/students"]);
    expect(step("3.2").check).toContain(
      `cosign verify-attestation --key lab.pub --insecure-ignore-tlog --new-bundle-format=false --type spdxjson ${REF} >/dev/null`,
    );
    expect(step("challenge 1").check).toEqual([]);
    expect(step("challenge 2").check).toEqual([]);
  });

  it("follows the lab's config: bundles with timestamps, a TLS registry, auth, a Vault key, another stack", () => {
    const tls = explainLab(
      {
        ...OUTPUTS,
        registryCaFile: "/repo/.lab/team/registry-ca/ca.crt",
        signatureFormat: "bundle",
        transparency: "timestamps",
        timestampAuthorityUrl: "http://127.0.0.1:3030/api/v1/timestamp",
        vaultAddress: "http://127.0.0.1:8200",
      },
      explainedConfig(
        JSON.stringify({
          "signed-image-lab:registryAuth": { secret: true },
          "signed-image-lab:vaultDevServer": { value: '{"keyName":"lab-signer"}', secret: false },
        }),
      ),
      "team",
    );
    const check = (seed: string) => tls.steps.find((s) => s.seed === seed)!.check;
    expect(tls.setup).toEqual([
      `eval "$(LAB_STACK=team npm run -s lab:env)"`,
      "pulumi stack output verifyPublicKey > lab.pub",
      "pulumi stack output trustedRoot > trusted-root.json",
      "docker login localhost:5001   # the registry user's password (cosign and skopeo read docker's login)",
    ]);
    expect(check("3.0")[0]).toBe(
      `cosign verify --key lab.pub --trusted-root trusted-root.json --use-signed-timestamps --insecure-ignore-tlog --new-bundle-format=true --registry-cacert /repo/.lab/team/registry-ca/ca.crt ${REF} >/dev/null`,
    );
    expect(check("1.3")[0]).toContain("skopeo inspect --tls-verify=true --cert-dir /repo/.lab/team/registry-ca --format");
    expect(check("1.1")[0]).toContain("--cacert /repo/.lab/team/registry-ca/ca.crt https://localhost:5001/v2/");
    expect(check("challenge 1")[0]).toMatch(/401/);
    expect(check("challenge 2")[0]).toBe(
      "VAULT_ADDR=http://127.0.0.1:8200 cosign public-key --key hashivault://lab-signer   # VAULT_TOKEN in your environment",
    );
    expect(tls.steps.find((s) => s.seed === "3.0")!.ran.join("\n")).toContain("cosign sign --key hashivault://lab-signer");
  });

  it("renders one block per step, and refuses outputs without an image", () => {
    const text = renderExplanation(lab);
    expect(text).toContain("1.4 Inspect the image (and export it as an OCI archive)\n  seed:   skopeo copy");
    expect(text).toContain("  check:  curl -fsS http://localhost:8090/students");
    expect(() => explainLab({ ...OUTPUTS, images: {} }, CONFIG, "dev")).toThrow(/is the lab up/);
  });
});
