import { describe, expect, it } from "vitest";
import { PRIVATE_CERT_DIR } from "./registry-transport.js";
import { inspectStep, inspectTagStep, policyCheckStep, sigstoreAttachmentsConfig, sigstorePolicy } from "./skopeo-commands.js";
import { renderStepScript } from "./step-script.js";

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
});
