import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { htpasswdAccepts, htpasswdLines } from "./htpasswd.js";

describe("htpasswdLines", () => {
  const users = [
    { username: "alice", password: "correct horse" },
    { username: "bob", password: "p@ss:w0rd" },
  ];
  const seed = randomBytes(32).toString("hex");
  const htpasswd = htpasswdLines(seed, users);

  it("writes one bcrypt line per user in the $2y$ form distribution reads", () => {
    const lines = htpasswd.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^alice:\$2y\$10\$[./A-Za-z0-9]{53}$/);
  });

  it("accepts each user's password and refuses wrong ones", () => {
    expect(htpasswdAccepts(htpasswd, "alice", "correct horse")).toBe(true);
    expect(htpasswdAccepts(htpasswd, "bob", "p@ss:w0rd")).toBe(true);
    expect(htpasswdAccepts(htpasswd, "alice", "p@ss:w0rd")).toBe(false);
    expect(htpasswdAccepts(htpasswd, "carol", "correct horse")).toBe(false);
  });

  it("is stable for an unchanged password and seed, so updates do not replace the registry", () => {
    expect(htpasswdLines(seed, users)).toBe(htpasswd);
  });

  it("gives the same password another line in every stack (a random seed each), and changes with the password", () => {
    // The same stack and user names everywhere must not mean the same line: nothing to precompute.
    expect(htpasswdLines(randomBytes(32).toString("hex"), users)).not.toBe(htpasswd);
    expect(htpasswdLines(seed, [{ username: "alice", password: "new" }])).not.toBe(htpasswdLines(seed, [users[0]!]));
    const [alice, bob] = htpasswdLines(seed, [
      { username: "alice", password: "same" },
      { username: "bob", password: "same" },
    ]).split("\n");
    expect(alice?.slice(6, 35)).not.toBe(bob?.slice(4, 33));
  });

  it("refuses a password bcrypt would cut at 72 bytes, and a seed that is not random bytes", () => {
    expect(() => htpasswdLines(seed, [{ username: "alice", password: "x".repeat(73) }])).toThrow(
      /alice's password is longer than 72 bytes/,
    );
    expect(() => htpasswdLines(seed, [{ username: "alice", password: "é".repeat(37) }])).toThrow(/72 bytes/);
    expect(htpasswdAccepts(htpasswdLines(seed, [{ username: "a", password: "x".repeat(72) }]), "a", "x".repeat(72))).toBe(true);
    expect(() => htpasswdLines("dev", users)).toThrow(/salt seed/);
  });
});
