import { describe, expect, it } from "vitest";
import { htpasswdAccepts, htpasswdLines } from "./htpasswd.js";

describe("htpasswdLines", () => {
  const users = [
    { username: "alice", password: "correct horse" },
    { username: "bob", password: "p@ss:w0rd" },
  ];
  const htpasswd = htpasswdLines("dev", users);

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

  it("is stable for an unchanged password, so updates do not replace the registry", () => {
    expect(htpasswdLines("dev", users)).toBe(htpasswd);
  });

  it("changes with the password and differs between stacks", () => {
    expect(htpasswdLines("dev", [{ username: "alice", password: "new" }])).not.toBe(htpasswdLines("dev", [users[0]!]));
    expect(htpasswdLines("prod", users)).not.toBe(htpasswd);
  });
});
