import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  stepEnvironment,
  scriptOf,
  installRecordingMocks,
  isSecret,
  holdsSecretInput,
  plain,
  registeredUrns,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";
import { htpasswdAccepts } from "./htpasswd.js";

let mocks: RecordingMocks;
let module: typeof import("./registry.js");

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./registry.js");
});

describe("Registry", () => {
  it("maps host 5001 to the registry's port 5000 on loopback, with deletes and a volume", async () => {
    const registry = new module.Registry("open");
    expect(await outputValue(registry.endpoint)).toBe("localhost:5001");
    const container = mocks.named("open");
    expect(container.type).toBe("docker:index/container:Container");
    expect(container.inputs.ports).toEqual([{ internal: 5000, external: 5001, ip: "127.0.0.1" }]);
    expect(container.inputs.envs).toEqual(["REGISTRY_STORAGE_DELETE_ENABLED=true"]);
    expect(container.inputs.restart).toBe("always");
    expect(container.inputs.volumes[0]).toMatchObject({ containerPath: "/var/lib/registry", volumeName: "open-data-volume" });
    expect(mocks.named("open-image").inputs.name).toMatch(/^registry:2\.8\.3@sha256:[a-f0-9]{64}$/);
    expect(await outputValue(registry.authEnabled)).toBe(false);
    expect(registry.credentials).toBeUndefined();
  });

  it("waits for /v2/ to answer 200 without auth, after the container exists", () => {
    const ready = mocks.named("open-ready");
    expect(scriptOf(ready)).toContain("http://localhost:5001/v2/");
    expect(scriptOf(ready)).toContain("= 200 ]");
    expect(ready.inputs.triggers).toEqual(["open-id"]);
  });

  it("turns on htpasswd auth with lines that verify against the configured passwords", async () => {
    const registry = new module.Registry("locked", {
      port: 5002,
      image: "example.test/registry:2",
      users: [
        { username: "alice", password: pulumi.secret("alice-pw") },
        { username: "bob", password: pulumi.secret("bob-pw") },
      ],
    });
    expect(await outputValue(registry.endpoint)).toBe("localhost:5002");
    const container = mocks.named("locked");
    expect(container.inputs.envs).toEqual(
      expect.arrayContaining(["REGISTRY_AUTH=htpasswd", "REGISTRY_AUTH_HTPASSWD_PATH=/etc/docker/registry/htpasswd"]),
    );
    expect(holdsSecretInput(container.inputs.uploads)).toBe(true);
    const [upload] = plain(container.inputs.uploads);
    expect(upload.file).toBe("/etc/docker/registry/htpasswd");
    expect(htpasswdAccepts(upload.content, "alice", "alice-pw")).toBe(true);
    expect(htpasswdAccepts(upload.content, "bob", "bob-pw")).toBe(true);
    expect(htpasswdAccepts(upload.content, "alice", "bob-pw")).toBe(false);
    expect(upload.content).not.toContain("alice-pw");
    expect(scriptOf(mocks.named("locked-ready"))).toContain("= 401 ]");
    // The salts come from a random seed drawn once per registry and kept as a secret output.
    const seed = mocks.named("locked-htpasswd-seed");
    expect(seed.inputs.triggers).toEqual([]);
    expect(scriptOf(seed)).toContain("randomBytes(32)");
    expect(mocks.named("open-ready")).toBeDefined();
    expect(() => mocks.named("open-htpasswd-seed")).toThrow(/no resource named/);
  });

  it("exposes the first user's credentials as a secret", async () => {
    const registry = new module.Registry("creds", { port: 5003, users: [{ username: "alice", password: "pw" }] });
    expect(await isSecret(registry.credentials!)).toBe(true);
    expect(await outputValue(registry.credentials!)).toEqual({ username: "alice", password: "pw" });
  });

  it("serves TLS with a CA and server certificate it makes: keys secret, CA file written first, probe over https", async () => {
    const registry = new module.Registry("tls", { port: 5004, tls: { caFile: "/lab/dev/registry-ca/ca.crt" } });
    expect(await outputValue(registry.endpoint)).toBe("localhost:5004");
    expect(registry.caFile).toBe("/lab/dev/registry-ca/ca.crt");
    const ca = mocks.named("tls-ca");
    expect(scriptOf(ca)).toContain("genpkey");
    expect(ca.inputs.logging).toBe("none");
    const server = mocks.named("tls-server-certificate");
    expect(holdsSecretInput(server.inputs.environment)).toBe(true);
    expect(Object.keys(stepEnvironment(server)).sort()).toEqual(["LAB_TLS_CA_CERT", "LAB_TLS_CA_KEY"]);
    expect(scriptOf(mocks.named("tls-ca-file"))).toContain("/lab/dev/registry-ca/ca.crt");
    const container = mocks.named("tls", "docker:index/container:Container");
    expect(container.inputs.envs).toEqual(
      expect.arrayContaining([
        "REGISTRY_HTTP_TLS_CERTIFICATE=/etc/docker/registry/tls.crt",
        "REGISTRY_HTTP_TLS_KEY=/etc/docker/registry/tls.key",
      ]),
    );
    expect(plain(container.inputs.uploads).map((u: { file: string }) => u.file)).toEqual([
      "/etc/docker/registry/tls.crt",
      "/etc/docker/registry/tls.key",
    ]);
    expect(holdsSecretInput(container.inputs.uploads)).toBe(true);
    const ready = scriptOf(mocks.named("tls-ready")) as string;
    expect(ready).toContain("--cacert /lab/dev/registry-ca/ca.crt https://localhost:5004/v2/");
  });

  it("parents every child to the component", () => {
    const children = registeredUrns().filter((urn) => urn.includes("signed-image-lab:signing:Registry$"));
    expect(children.map((urn) => urn.split("::").pop())).toEqual(expect.arrayContaining(["open-image", "open-data", "open", "open-ready"]));
  });
});
