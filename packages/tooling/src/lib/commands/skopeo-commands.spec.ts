import { describe, expect, it } from "vitest";
import { PRIVATE_CERT_DIR } from "../core/registry-transport.js";
import {
  inspectStep,
  inspectTagStep,
  ociArchiveStep,
  parseOciArchive,
  policyCheckStep,
  sigstoreAttachmentsConfig,
  sigstorePolicy,
} from "./skopeo-commands.js";
import { renderStepScript } from "../core/step-script.js";

const REF = `localhost:5001/studentbook@sha256:${"ef".repeat(32)}`;

describe("skopeo steps", () => {
  it("inspect a loopback registry over plain HTTP, with the CA alone in a private cert dir for TLS", () => {
    expect(inspectStep({ ref: REF }).invocations[0]?.argv).toEqual(["skopeo", "inspect", "--tls-verify=false", `docker://${REF}`]);
    const script = renderStepScript(inspectStep({ ref: REF, registryCaFile: "/shared/certs/ca.pem" }));
    expect(script).toContain(`cp -- /shared/certs/ca.pem "\${lab_tmp}"/certs/ca.crt`);
    expect(script).toContain(`skopeo inspect --tls-verify=true --cert-dir "\${lab_tmp}"/certs docker://${REF}`);
    expect(script).not.toContain("--cert-dir /shared/certs");
  });

  it("never reads a registry off this machine without TLS verification, even without a CA", () => {
    for (const host of ["registry.example.com", "10.0.0.7:5000", "localhost.example.com:5001"]) {
      const ref = `${host}/studentbook@sha256:${"ef".repeat(32)}`;
      expect(inspectStep({ ref }).invocations[0]?.argv, host).toEqual(["skopeo", "inspect", "--tls-verify=true", `docker://${ref}`]);
      expect(inspectTagStep({ taggedRef: `${host}/studentbook:1.0` }).invocations[0]?.argv, host).toContain("--tls-verify=true");
      expect(policyCheckStep({ ref, policyFile: "/p", registriesDir: "/r" }).invocations[0]?.argv, host).toContain("--tls-verify=true");
    }
  });

  it("check a digest against a signature policy with the lab's registries.d", () => {
    const step = policyCheckStep({ ref: REF, policyFile: "/p.json", registriesDir: "/r" });
    expect(step.invocations[0]?.argv).toEqual([
      "lab-policy-check",
      "--policy",
      "/p.json",
      "--registries.d",
      "/r",
      "--tls-verify=false",
      `docker://${REF}`,
    ]);
    expect(step.registryHost).toBe("localhost:5001");
    expect(() => policyCheckStep({ ref: "localhost:5001/studentbook:1.0", policyFile: "/p", registriesDir: "/r" })).toThrow(
      /pinned by digest/,
    );
  });

  it("check over verified TLS with the registry's CA directory", () => {
    const step = policyCheckStep({ ref: REF, policyFile: "/p.json", registriesDir: "/r", registryCaFile: "/ca/ca.crt" });
    expect(step.invocations.at(-1)?.argv).toEqual([
      "lab-policy-check",
      "--policy",
      "/p.json",
      "--registries.d",
      "/r",
      "--tls-verify=true",
      "--cert-dir",
      PRIVATE_CERT_DIR,
      `docker://${REF}`,
    ]);
  });

  it("write a policy that rejects by default and wants the cosign key for the repository", () => {
    expect(sigstorePolicy("localhost:5001/studentbook", "/k/cosign.pub")).toEqual({
      default: [{ type: "reject" }],
      transports: {
        docker: {
          "localhost:5001/studentbook": [{ type: "sigstoreSigned", keyPath: "/k/cosign.pub", signedIdentity: { type: "matchRepository" } }],
        },
      },
    });
    expect(sigstoreAttachmentsConfig("localhost:5001")).toBe('docker:\n  "localhost:5001":\n    use-sigstore-attachments: true\n');
  });

  it("export the digest as an OCI archive beside its final name, moved into place once whole, then its sha256", () => {
    const step = ociArchiveStep({ ref: REF, outFile: "/lab/dev/studentbook.oci.tar" });
    expect(step.invocations.map((i) => i.argv)).toEqual([
      ["mkdir", "-p", "/lab/dev"],
      ["rm", "-f", "/lab/dev/studentbook.oci.tar.partial"],
      [
        "skopeo",
        "--insecure-policy",
        "copy",
        "--quiet",
        "--src-tls-verify=false",
        `docker://${REF}`,
        "oci-archive:/lab/dev/studentbook.oci.tar.partial",
      ],
      ["mv", "-f", "/lab/dev/studentbook.oci.tar.partial", "/lab/dev/studentbook.oci.tar"],
      ["sha256sum", "/lab/dev/studentbook.oci.tar"],
    ]);
    expect(step.subject).toBe(REF);
    const tls = renderStepScript(ociArchiveStep({ ref: REF, outFile: "/a/x.oci.tar", registryCaFile: "/ca/ca.crt" }));
    expect(tls).toContain(`--src-tls-verify=true --src-cert-dir "\${lab_tmp}"/certs docker://${REF}`);
    expect(() => ociArchiveStep({ ref: "localhost:5001/studentbook:1.0", outFile: "/a/x" })).toThrow(/pinned by digest/);
  });

  it("read the archive's file and sha256 from the step's last line, and refuse anything else", () => {
    expect(parseOciArchive(`Getting image source signatures\n${"a".repeat(64)}  /lab/dev/x.oci.tar\n`)).toEqual({
      file: "/lab/dev/x.oci.tar",
      sha256: "a".repeat(64),
    });
    expect(() => parseOciArchive("sha256sum: /lab/dev/x.oci.tar: No such file or directory")).toThrow(/not the sha256 of an OCI archive/);
  });
});
