import { beforeAll, describe, expect, it } from "vitest";
import {
  FAKE_TRUSTED_ROOT,
  holdsSecretInput,
  scriptOf,
  stepEnvironment,
  outputValue,
  type RecordingMocks,
} from "../../packages/components/src/testing/recording-mocks.js";
import { runLabProgram, type LabProgram } from "./test-support/run-lab-program.js";

// One file, any config: the program is a function (labProgram), each block registers it under fresh mocks.

describe("config: auth", () => {
  let mocks: RecordingMocks;

  beforeAll(async () => {
    const auth = JSON.stringify({ enabled: true, users: [{ username: "alice", password: "reg-pw" }] });
    const run = await runLabProgram({ cosignPassword: "key-pw", registryAuth: auth }, ["cosignPassword", "registryAuth"]);
    mocks = run.mocks;
    await outputValue(run.program.appRef!);
  });

  describe("the lab program with registry auth", () => {
    it("hands registry passwords and key material to resources only as secrets", () => {
      const custom = mocks.resources.filter((r) => r.custom);
      expect(custom.length).toBeGreaterThan(10);
      for (const resource of custom) {
        if (/reg-pw|key-pw/.test(JSON.stringify(resource.inputs))) {
          expect(holdsSecretInput(resource.inputs), `${resource.name} holds a secret in the clear`).toBe(true);
        }
        expect(String(scriptOf(resource) ?? ""), resource.name).not.toMatch(/reg-pw|key-pw/);
      }
    });

    it("passes the credentials to the signing steps and waits for a 401 from the registry", () => {
      expect(stepEnvironment(mocks.named("studentbook-sign"))).toMatchObject({
        LAB_REGISTRY_USERNAME: "alice",
        LAB_REGISTRY_PASSWORD: "reg-pw",
      });
      expect(scriptOf(mocks.named("registry-ready"))).toContain("= 401 ]");
    });
  });
});

describe("config: existing", () => {
  const REF = `registry.example:5000/team/app@sha256:${"1".repeat(64)}`;
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram(
      { cosignPassword: "pw", existingRegistry: "registry.example:5000", existingImageRef: REF, runApp: "false" },
      ["cosignPassword"],
    ));
    await outputValue(program.attestedRef!);
  });

  describe("the lab program on an existing registry and image", () => {
    it("signs, verifies and attests the given digest with command resources only (and reads its own last outputs)", async () => {
      expect(await outputValue(program.verifiedRef)).toBe(REF);
      expect(await outputValue(program.attestedRef!)).toBe(REF);
      const types = new Set(
        mocks.resources
          .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.type !== "pulumi:pulumi:StackReference")
          .map((r) => r.type),
      );
      expect([...types]).toEqual(["command:local:Command"]);
      expect(program.appUrl).toBeUndefined();
    });
  });
});

describe("config: many-images", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;
  const images = [
    { name: "studentbook", context: "packages/studentbook" },
    { name: "team/api", context: "packages/studentbook", tag: "2.0" },
  ];

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", images: JSON.stringify(images) }, ["cosignPassword"]));
    await Promise.all(Object.values(program.images).map((image) => outputValue(image.attestedRef!)));
    await outputValue(program.appRef!);
  });

  describe("the lab program with several images", () => {
    it("builds, signs, verifies and attests each image on its own chain, named after it", async () => {
      const studentbook = await outputValue(program.images.studentbook!.verifiedRef);
      const api = await outputValue(program.images["team/api"]!.verifiedRef);
      expect(studentbook).toMatch(/^localhost:5001\/studentbook@sha256:/);
      expect(api).toMatch(/^localhost:5001\/team\/api@sha256:/);
      expect(mocks.named("team/api", "docker:index/image:Image").inputs.imageName).toBe("localhost:5001/team/api:2.0");
      expect(scriptOf(mocks.named("team/api-sign"))).toContain(api);
      expect(scriptOf(mocks.named("team/api-sign"))).not.toContain(studentbook);
      expect(scriptOf(mocks.named("team/api-attest"))).toContain(api);
      expect(scriptOf(mocks.named("studentbook-sign"))).toContain(studentbook);
    });

    it("signs every image with the one key and runs only the first as the app", async () => {
      expect(mocks.ofType("command:local:Command").filter((r) => r.name.endsWith("-generate"))).toHaveLength(1);
      expect(await outputValue(program.appRef!)).toBe(await outputValue(program.images.studentbook!.verifiedRef));
    });

    it("reports per image in the stack outputs", async () => {
      expect(Object.keys(program.images)).toEqual(["studentbook", "team/api"]);
      expect(await outputValue(program.images["team/api"]!.sbomPackageCount)).toBe(42);
    });
  });

  describe("image config errors name the image", () => {
    it("refuses a duplicate and a bad name with their positions", async () => {
      const { parseLabConfig } = await import("@signed-image-lab/components");
      const bad = JSON.stringify([{ name: "studentbook" }, { name: "Bad Name" }, { name: "studentbook" }]);
      expect(() => parseLabConfig("signed-image-lab", { cosignPassword: "pw", images: bad }, new Set(["cosignPassword"]))).toThrow(
        /signed-image-lab:images\[1\]\.name: must be a lower-case repository name[\s\S]*signed-image-lab:images\[2\]\.name: "studentbook" is listed twice/,
      );
    });
  });
});

describe("config: tls", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", registryTls: "true" }, ["cosignPassword"]));
    await outputValue(program.appRef!);
  });

  describe("the lab program with registry TLS", () => {
    it("makes the registry's CA and has every step trust its file", async () => {
      expect(program.registryCaFile).toMatch(/\.lab\/dev\/registry-ca\/ca\.crt$/);
      const caFile = program.registryCaFile!;
      expect(scriptOf(mocks.named("registry-ca-file"))).toContain(caFile);
      for (const step of ["studentbook-sign", "studentbook-verify", "studentbook-attest", "studentbook-verify-attestation"]) {
        expect(scriptOf(mocks.named(step)), step).toContain(`--registry-cacert ${caFile}`);
      }
      expect(scriptOf(mocks.named("studentbook-scan"))).toContain(`SYFT_REGISTRY_CA_CERT=${caFile}`);
    });
  });
});

describe("config: transparency", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram(
      { cosignPassword: "pw", transparency: "timestamps", signatureFormat: "bundle", timestampAuthority: JSON.stringify({ port: 3061 }) },
      ["cosignPassword"],
    ));
    await outputValue(program.appRef!);
  });

  describe("the lab program with transparency: timestamps", () => {
    it("runs the lab's TSA and exports its trusted root and URL", async () => {
      expect(program.transparency).toBe("timestamps");
      expect(await outputValue(program.trustedRoot!)).toBe(FAKE_TRUSTED_ROOT);
      expect(program.timestampAuthorityUrl).toBe("http://127.0.0.1:3061/api/v1/timestamp");
      expect(mocks.named("tsa", "docker:index/container:Container").inputs.name).toBe("dev-tsa");
    });

    it("signs and attests with timestamps from it, and every verification requires one from its trusted root", () => {
      for (const step of ["studentbook-sign", "studentbook-attest"]) {
        expect(scriptOf(mocks.named(step)), step).toContain("--signing-config");
        expect(scriptOf(mocks.named(step)), step).not.toContain("--tlog-upload");
        expect(stepEnvironment(mocks.named(step)).LAB_TRUSTED_ROOT, step).toBe(FAKE_TRUSTED_ROOT);
      }
      for (const step of ["studentbook-verify", "studentbook-verify-attestation"]) {
        expect(scriptOf(mocks.named(step)), step).toMatch(/--trusted-root \S+ --use-signed-timestamps/);
        expect(stepEnvironment(mocks.named(step)).LAB_TRUSTED_ROOT, step).toBe(FAKE_TRUSTED_ROOT);
      }
    });

    it("starts signing only once the trusted root exists", () => {
      const order = mocks.resources.filter((r) => r.custom).map((r) => r.name);
      expect(order.indexOf("tsa-trusted-root")).toBeGreaterThan(-1);
      expect(order.indexOf("studentbook-sign")).toBeGreaterThan(order.indexOf("tsa-trusted-root"));
    });
  });
});

describe("config: transparency-log", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram({ cosignPassword: "pw", transparency: "timestamps+log", signatureFormat: "bundle" }, [
      "cosignPassword",
    ]));
    await outputValue(program.appRef!);
  });

  describe("the lab program with transparency: timestamps+log", () => {
    it("runs the lab's Rekor v2 beside its TSA and exports both URLs", () => {
      expect(program.transparency).toBe("timestamps+log");
      expect(program.transparencyLogUrl).toBe("http://127.0.0.1:3031");
      expect(program.timestampAuthorityUrl).toBe("http://127.0.0.1:3030/api/v1/timestamp");
      expect(mocks.named("rekor", "docker:index/container:Container").inputs.name).toBe("dev-rekor");
      expect(scriptOf(mocks.named("tsa-trusted-root"))).toContain("--rekor url=http://127.0.0.1:3031,");
    });

    it("logs every signature and attestation, and every verification requires the entry: no --insecure-ignore-tlog anywhere", () => {
      for (const step of ["studentbook-sign", "studentbook-attest"]) {
        expect(scriptOf(mocks.named(step)), step).toContain("--rekor url=http://127.0.0.1:3031,api-version=2,");
      }
      for (const step of ["studentbook-verify", "studentbook-verify-attestation"]) {
        expect(scriptOf(mocks.named(step)), step).toMatch(/--trusted-root \S+ --use-signed-timestamps/);
        expect(scriptOf(mocks.named(step)), step).not.toContain("--insecure-ignore-tlog");
      }
    });
  });
});

describe("config: vault", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram(
      {
        signingKey: JSON.stringify({ source: "kms", kmsUri: "hashivault://lab-signer" }),
        vaultAddress: "http://127.0.0.1:8200",
        vaultToken: "root-token",
      },
      ["vaultToken"],
    ));
    await outputValue(program.verifiedRef);
  });

  describe("the lab program with the key in Vault (or OpenBao) transit", () => {
    it("signs through hashivault:// with the address and the token, as a secret, in the environment", () => {
      const sign = mocks.named("studentbook-sign");
      expect(scriptOf(sign)).toContain("cosign sign --key hashivault://lab-signer");
      expect(scriptOf(sign)).not.toContain("root-token");
      expect(stepEnvironment(sign)).toMatchObject({ VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: "root-token" });
      expect(holdsSecretInput(sign.inputs.environment)).toBe(true);
      expect(scriptOf(mocks.named("cosign-public-key"))).toContain("cosign public-key --key hashivault://lab-signer");
      expect(mocks.resources.some((r) => r.name === "cosign-generate")).toBe(false);
    });
  });
});

describe("config: vault-dev-server", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    ({ mocks, program } = await runLabProgram({ vaultDevServer: JSON.stringify({ keyName: "lab-signer" }), vaultToken: "root-t0ken" }, [
      "vaultToken",
    ]));
    await outputValue(program.attestedRef!);
  });

  describe("the lab program with its own vault dev server", () => {
    it("signs and attests through the dev server's transit key, after the key exists", () => {
      expect(program.vaultAddress).toBe("http://127.0.0.1:8200");
      const order = mocks.resources.map((r) => r.name);
      expect(order.indexOf("studentbook-sign")).toBeGreaterThan(order.indexOf("vault-key"));
      const sign = mocks.named("studentbook-sign");
      expect(scriptOf(sign)).toContain("cosign sign --key hashivault://lab-signer");
      expect(stepEnvironment(sign)).toMatchObject({ VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: "root-t0ken" });
      expect(scriptOf(mocks.named("studentbook-attest"))).toContain("--key hashivault://lab-signer");
      expect(mocks.resources.some((r) => r.name === "cosign-generate")).toBe(false);
    });
  });
});

describe("config: provenance, policy, promotion", () => {
  let mocks: RecordingMocks;
  let program: LabProgram;

  beforeAll(async () => {
    const config = {
      cosignPassword: "pw",
      policy: JSON.stringify({ deniedPackages: ["left-pad"] }),
      promotion: JSON.stringify({ registryPort: 5002 }),
    };
    ({ mocks, program } = await runLabProgram(config, ["cosignPassword"]));
    await outputValue(program.appRef!);
  });

  it("runs the app from the digest the policy admitted, after provenance verified", async () => {
    const admitted = await outputValue(program.admittedRef);
    expect(await outputValue(program.appRef!)).toBe(admitted);
    expect(mocks.named("studentbook-app-image", "docker:index/remoteImage:RemoteImage").inputs.name).toBe(admitted);
    expect(scriptOf(mocks.named("studentbook-policy"))).toContain("--policy");
    expect(stepEnvironment(mocks.named("studentbook-policy")).LAB_SBOM_POLICY).toContain("left-pad");
    expect(
      JSON.parse(stepEnvironment(mocks.named("studentbook-attest-provenance")).LAB_PROVENANCE_PREDICATE ?? "{}").runDetails.builder.id,
    ).toBe("https://github.com/signed-image-lab/builder@v1");
  });

  it("starts a second registry and promotes the admitted digest into it", async () => {
    expect(await outputValue(program.promotionRegistryEndpoint!)).toBe("localhost:5002");
    const admitted = await outputValue(program.admittedRef);
    expect(await outputValue(program.promotedRef!)).toBe(`localhost:5002/studentbook@${admitted.split("@")[1]}`);
    expect(mocks.named("promotion-registry-ready").inputs).toBeDefined();
    expect(scriptOf(mocks.named("studentbook-promote"))).toContain("localhost:5002/studentbook");
  });
});
