import { publicKeyFingerprint } from "@signed-image-lab/tooling";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
  stepEnvironment,
  scriptOf,
  fakeKeyMaterial,
  FAKE_PRIVATE_KEY,
  FAKE_PUBLIC_KEY,
  holdsSecretInput,
  installRecordingMocks,
  plain,
  registeredUrns,
  outputValue,
  type RecordingMocks,
} from "../testing/recording-mocks.js";

const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;
const REF_A = `localhost:5001/studentbook@${DIGEST_A}`;
const OTHER_PUBLIC_KEY = FAKE_PUBLIC_KEY.replace("fakefake", "othrothr");

let mocks: RecordingMocks;
let module: typeof import("./signed-image.js");

async function signed(
  name: string,
  ref: string,
  key = fakeKeyMaterial(),
  extra: Partial<import("./signed-image.js").SignedImageArgs> = {},
) {
  const image = new module.SignedImage(name, { ref, key, ...extra });
  await outputValue(image.verifiedRef);
  if (image.signatureRef) await outputValue(image.signatureRef);
  return image;
}

beforeAll(async () => {
  mocks = await installRecordingMocks();
  module = await import("./signed-image.js");
});

describe("SignedImage", () => {
  it("signs the digest with the key from the environment and verifies the signed ref", async () => {
    const image = await signed("app", REF_A, fakeKeyMaterial(), {
      registryCredentials: { username: "alice", password: pulumi.secret("reg-pw") },
    });
    const sign = mocks.named("app-sign");
    expect(scriptOf(sign)).toContain(
      `cosign sign --key env://COSIGN_PRIVATE_KEY --tlog-upload=false --use-signing-config=false --new-bundle-format=false -y ${REF_A}`,
    );
    expect(stepEnvironment(sign)).toEqual({
      COSIGN_PRIVATE_KEY: FAKE_PRIVATE_KEY,
      COSIGN_PASSWORD: "key-pw",
      LAB_REGISTRY_USERNAME: "alice",
      LAB_REGISTRY_PASSWORD: "reg-pw",
    });
    expect(holdsSecretInput(sign.inputs.environment)).toBe(true);
    for (const secret of ["key-pw", "reg-pw", "PRIVATE KEY"]) {
      expect(scriptOf(sign)).not.toContain(secret);
    }

    const verify = mocks.named("app-verify");
    expect(scriptOf(verify)).toContain(
      `cosign verify --key env://COSIGN_PUBLIC_KEY --insecure-ignore-tlog --new-bundle-format=false --output json ${REF_A}`,
    );
    expect(stepEnvironment(verify).COSIGN_PUBLIC_KEY).toBe(FAKE_PUBLIC_KEY);
    expect(stepEnvironment(verify)).not.toHaveProperty("COSIGN_PRIVATE_KEY");
    expect(await outputValue(image.signedRef)).toBe(REF_A);
    expect(await outputValue(image.verifiedRef)).toBe(REF_A);
    expect(await outputValue(image.signatureRef!)).toBe(`localhost:5001/x:sha256-${"a".repeat(64)}.sig`);
  });

  it("signs with a timestamp from the lab's TSA and verifies with its trusted root when given one (bundle format)", async () => {
    const trust = { tsaUrl: "http://127.0.0.1:3030/api/v1/timestamp", trustedRoot: pulumi.output('{"root":1}') };
    await signed("timed", REF_A, fakeKeyMaterial(), { format: "bundle", timestamps: trust });
    const sign = mocks.named("timed-sign");
    expect(scriptOf(sign)).toContain("cosign signing-config create --tsa url=http://127.0.0.1:3030/api/v1/timestamp,");
    expect(scriptOf(sign)).toMatch(
      /cosign sign --key env:\/\/COSIGN_PRIVATE_KEY --signing-config \S+ --trusted-root \S+ --new-bundle-format=true -y /,
    );
    expect(scriptOf(sign)).not.toContain("--tlog-upload");
    expect(stepEnvironment(sign).LAB_TRUSTED_ROOT).toBe('{"root":1}');
    const verify = mocks.named("timed-verify");
    expect(scriptOf(verify)).toMatch(
      /cosign verify --key env:\/\/COSIGN_PUBLIC_KEY --insecure-ignore-tlog --trusted-root \S+ --use-signed-timestamps/,
    );
    expect(stepEnvironment(verify).LAB_TRUSTED_ROOT).toBe('{"root":1}');
    // A new trusted root (a new TSA key) re-signs and re-verifies; no timestamps leaves the triggers as they were.
    expect(plain(sign.inputs.triggers)).toHaveLength(5);
    expect(plain(sign.inputs.triggers)[4]).toMatch(/^timestamps:[a-f0-9]{64}$/);
    expect(plain(verify.inputs.triggers)[4]).toBe(plain(sign.inputs.triggers)[4]);
    await signed("untimed", REF_A, fakeKeyMaterial(), { format: "bundle" });
    expect(plain(mocks.named("untimed-sign").inputs.triggers)).toHaveLength(4);
    expect(stepEnvironment(mocks.named("untimed-verify"))).not.toHaveProperty("LAB_TRUSTED_ROOT");
  });

  it("verifies against a pinned public key when one is given", async () => {
    await signed("pinned", REF_A, fakeKeyMaterial(), { verifyPublicKeyPem: OTHER_PUBLIC_KEY });
    expect(stepEnvironment(mocks.named("pinned-verify")).COSIGN_PUBLIC_KEY).toBe(OTHER_PUBLIC_KEY);
  });

  it("re-signs when the digest, the key or the repair count changes, and not otherwise", async () => {
    await signed("same-1", REF_A);
    await signed("same-2", REF_A);
    await signed("new-digest", REF_A.replace(DIGEST_A, DIGEST_B));
    await signed("new-key", REF_A, fakeKeyMaterial(OTHER_PUBLIC_KEY));
    await signed("repaired", REF_A, fakeKeyMaterial(), { repairs: 1 });
    const triggers = (name: string) => mocks.named(`${name}-sign`).inputs.triggers;
    expect(triggers("same-2")).toEqual(triggers("same-1"));
    expect(triggers("new-digest")).not.toEqual(triggers("same-1"));
    expect(triggers("new-key")).not.toEqual(triggers("same-1"));
    expect(triggers("same-1")).toEqual([REF_A, publicKeyFingerprint(FAKE_PUBLIC_KEY), "legacy", 0]);
    // A repaired signature is verified again too: verification fails closed on the new one.
    expect(triggers("repaired")).toEqual([REF_A, publicKeyFingerprint(FAKE_PUBLIC_KEY), "legacy", 1]);
    expect(mocks.named("repaired-verify").inputs.triggers.at(-1)).toBe(1);
  });

  it("uses the bundle format when asked and then has no legacy signature tag", async () => {
    const image = await signed("bundled", REF_A, fakeKeyMaterial(), { format: "bundle" });
    expect(scriptOf(mocks.named("bundled-sign"))).toContain("--new-bundle-format=true");
    expect(image.signatureRef).toBeUndefined();
  });

  it("refuses a tag before registering anything, naming the argument", () => {
    const before = mocks.resources.length;
    expect(() => new module.SignedImage("tagged", { ref: "localhost:5001/studentbook:1.0", key: fakeKeyMaterial() })).toThrow(
      /ref must be pinned by digest/,
    );
    expect(mocks.resources.slice(before).filter((r) => r.custom)).toEqual([]);
  });

  it("parents sign, verify and triangulate to the component", () => {
    const names = registeredUrns()
      .filter((urn) => urn.includes("signed-image-lab:signing:SignedImage$command:local:Command::app-"))
      .map((urn) => urn.split("::").pop());
    expect(names.sort()).toEqual(["app-sign", "app-triangulate", "app-verify"]);
  });
});
