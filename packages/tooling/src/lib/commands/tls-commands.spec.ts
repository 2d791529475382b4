import { execFile } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pemBlock, splitPemBlocks } from "../core/pem.js";
import { renderStepScript, withStepEnvNames, type StepScript } from "../core/step-script.js";
import {
  certificateAuthorityStep,
  parseKeyAndCertificate,
  serverCertificateStep,
  subjectAltName,
  TLS_CA_CERT_ENV,
  TLS_CA_KEY_ENV,
  writeCaFileStep,
  type KeyAndCertificate,
} from "./tls-commands.js";

const run = promisify(execFile);

/** Runs a step through `sh` with only PATH and `env`, as a Command resource would. */
async function runStep(step: StepScript, env: Record<string, string> = {}) {
  return run("/bin/sh", ["-c", renderStepScript(step)], { env: { PATH: process.env.PATH ?? "", ...withStepEnvNames(env) } });
}

function caEnv(ca: KeyAndCertificate): Record<string, string> {
  return { [TLS_CA_KEY_ENV]: ca.privateKeyPem, [TLS_CA_CERT_ENV]: ca.certificatePem };
}

describe("TLS steps (real openssl through sh)", () => {
  let ca: KeyAndCertificate;
  let server: KeyAndCertificate;
  let caStdout: string;
  let serverStdout: string;
  let serverScript: string;
  const workDir = mkdtempSync(join(tmpdir(), "tls-spec-"));

  beforeAll(async () => {
    caStdout = (await runStep(certificateAuthorityStep({ days: 2 }))).stdout;
    ca = parseKeyAndCertificate(caStdout);
    serverScript = renderStepScript(serverCertificateStep({ days: 1 }));
    serverStdout = (await runStep(serverCertificateStep({ days: 1 }), caEnv(ca))).stdout;
    server = parseKeyAndCertificate(serverStdout);
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("make a CA: a self-signed CA certificate with an EC P-256 key, for signing certificates only", () => {
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const key = createPrivateKey(ca.privateKeyPem);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(createPublicKey(key).export({ format: "jwk" })).toEqual(cert.publicKey.export({ format: "jwk" }));
  });

  it("make a server certificate for localhost and 127.0.0.1, issued by the CA and verified by openssl", async () => {
    const cert = new X509Certificate(server.certificatePem);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(", ").sort()).toEqual(["DNS:localhost", "IP Address:127.0.0.1"]);
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("example.com")).toBeUndefined();
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // extendedKeyUsage serverAuth
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThan(2 * 86_400_000);
    const key = createPrivateKey(server.privateKeyPem);
    expect(createPublicKey(key).export({ format: "jwk" })).toEqual(cert.publicKey.export({ format: "jwk" }));
    expect(server.privateKeyPem).not.toBe(ca.privateKeyPem);

    writeFileSync(join(workDir, "ca.crt"), ca.certificatePem);
    writeFileSync(join(workDir, "server.crt"), server.certificatePem);
    const verified = await run("openssl", [
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      join(workDir, "ca.crt"),
      join(workDir, "server.crt"),
    ]);
    expect(verified.stdout.trim()).toBe(`${join(workDir, "server.crt")}: OK`);
  });

  it("is not verified by another CA with the same name", async () => {
    const other = parseKeyAndCertificate((await runStep(certificateAuthorityStep())).stdout);
    const otherCert = new X509Certificate(other.certificatePem);
    expect(otherCert.subject).toBe(new X509Certificate(ca.certificatePem).subject);
    expect(new X509Certificate(server.certificatePem).verify(otherCert.publicKey)).toBe(false);
  });

  it("print exactly a private key and a certificate, and no secret in the command string", () => {
    expect(splitPemBlocks(caStdout).map((b) => b.label)).toEqual(["PRIVATE KEY", "CERTIFICATE"]);
    expect(splitPemBlocks(serverStdout)[0]?.label).toBe("PRIVATE KEY");
    expect(serverScript).not.toContain("PRIVATE KEY");
    expect(serverScript).toContain(`printenv ${TLS_CA_KEY_ENV} >"\${lab_tmp}"/ca.key`);
    expect(serverScript).toContain("subjectAltName=DNS:localhost,IP:127.0.0.1");
  });

  it("fails, leaving nothing, without the CA in the environment", async () => {
    await expect(runStep(serverCertificateStep())).rejects.toMatchObject({ code: 1, stdout: "" });
  });

  it("honour other names for the server certificate", async () => {
    const step = serverCertificateStep({ dnsNames: ["registry.lab.test", "localhost"], ipAddresses: ["127.0.0.1", "172.17.0.1"] });
    const cert = new X509Certificate(parseKeyAndCertificate((await runStep(step, caEnv(ca))).stdout).certificatePem);
    expect(cert.subject).toBe("CN=registry.lab.test");
    expect(cert.checkIP("172.17.0.1")).toBe("172.17.0.1");
    expect(cert.checkHost("registry.lab.test")).toBe("registry.lab.test");
  });
});

describe("subjectAltName", () => {
  it("lists DNS names, then IP addresses", () => {
    expect(subjectAltName(["localhost"], ["127.0.0.1", "::1"])).toBe("DNS:localhost,IP:127.0.0.1,IP:::1");
  });

  it("refuses no names, empty names and names that would inject another entry", () => {
    expect(() => subjectAltName([], [])).toThrow(/at least one/);
    expect(() => subjectAltName(["localhost"], [""])).toThrow(/not a name/);
    expect(() => subjectAltName(["a,DNS:evil.example"], [])).toThrow(/not a name/);
    expect(() => subjectAltName(["a/CN=evil"], [])).toThrow(/not a name/);
  });
});

describe("parseKeyAndCertificate", () => {
  const key = pemBlock("PRIVATE KEY", "AAAA");
  const cert = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";

  it("splits a key and a certificate in either order", () => {
    expect(parseKeyAndCertificate(key + cert)).toEqual({ privateKeyPem: key, certificatePem: cert });
    expect(parseKeyAndCertificate(`noise\n${cert}${key}`)).toEqual({ privateKeyPem: key, certificatePem: cert });
  });

  it("refuses output without exactly one key and one certificate", () => {
    expect(() => parseKeyAndCertificate(cert)).toThrow(/1 PEM block/);
    expect(() => parseKeyAndCertificate(key + cert + cert)).toThrow(/3 PEM block/);
    expect(() => parseKeyAndCertificate("")).toThrow(/0 PEM block/);
  });
});

describe("writeCaFileStep", () => {
  it("writes the CA certificate from the environment into a new directory, for the clients to read", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ca-file-")), "registry-ca", "ca.crt");
    const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    await promisify(execFile)("/bin/sh", ["-c", renderStepScript(writeCaFileStep({ file }))], {
      env: { PATH: process.env.PATH, ...withStepEnvNames({ LAB_TLS_CA_CERT: pem }) },
    });
    expect(readFileSync(file, "utf8").trim()).toBe(pem);
    expect(readdirSync(dirname(file))).toEqual(["ca.crt"]);
  });

  it("leaves an existing CA file as it was when the certificate is not in the environment", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ca-file-")), "ca.crt");
    writeFileSync(file, "previous");
    await expect(
      promisify(execFile)("/bin/sh", ["-c", renderStepScript(writeCaFileStep({ file }))], { env: { PATH: process.env.PATH } }),
    ).rejects.toThrow();
    expect(readFileSync(file, "utf8")).toBe("previous");
  });
});
