import { describe, expect, it } from "vitest";
import { pemBlock, publicKeyFingerprint, splitCosignKeyPair, splitPemBlocks } from "./pem.js";

const FAKE_PUBLIC_KEY =
  "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfakefakefakefakefakefakefakefake\n-----END PUBLIC KEY-----\n";
const FAKE_PRIVATE_KEY = pemBlock("ENCRYPTED SIGSTORE PRIVATE KEY", "ZmFrZQ==");

describe("PEM handling", () => {
  it("splits what generate-key-pair prints into private and public key", () => {
    expect(splitCosignKeyPair(`${FAKE_PRIVATE_KEY}${FAKE_PUBLIC_KEY}`)).toEqual({
      privateKeyPem: FAKE_PRIVATE_KEY,
      publicKeyPem: FAKE_PUBLIC_KEY,
    });
  });

  it("refuses output without both keys", () => {
    expect(() => splitCosignKeyPair(FAKE_PUBLIC_KEY)).toThrow(/1 PEM block\(s\), want a private and a public key/);
  });

  it("fingerprints the key, not its line endings", () => {
    expect(publicKeyFingerprint(FAKE_PUBLIC_KEY)).toMatch(/^[a-f0-9]{64}$/);
    expect(publicKeyFingerprint(FAKE_PUBLIC_KEY.replace(/\n/g, "\r\n"))).toBe(publicKeyFingerprint(FAKE_PUBLIC_KEY));
    expect(splitPemBlocks(FAKE_PUBLIC_KEY.replace("fake", "FAKE"))).toHaveLength(1);
    expect(publicKeyFingerprint(FAKE_PUBLIC_KEY.replace("fake", "FAKE"))).not.toBe(publicKeyFingerprint(FAKE_PUBLIC_KEY));
    expect(() => publicKeyFingerprint(FAKE_PRIVATE_KEY)).toThrow(/not a PUBLIC KEY PEM/);
  });
});
