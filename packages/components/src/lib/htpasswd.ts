import bcrypt from "bcryptjs";
import { createHash } from "node:crypto";

/** A registry user and the password to hash. */
export interface HtpasswdUser {
  readonly username: string;
  readonly password: string;
}

/** bcrypt cost: the registry checks a hash on every request, so keep it modest. */
export const HTPASSWD_BCRYPT_ROUNDS = 10;

/**
 * A salt per stack and user that stays the same between updates, so an unchanged password
 * gives an unchanged line and the registry is not replaced on every `pulumi up`. It is made
 * from no secret, so it reveals nothing about the password; each user and stack gets its own.
 */
function stableSalt(scope: string, username: string): string {
  const seed = createHash("sha256").update(`signed-image-lab/htpasswd/${scope}/${username}`).digest();
  return `$2b$${String(HTPASSWD_BCRYPT_ROUNDS).padStart(2, "0")}$${bcrypt.encodeBase64(seed, 16)}`;
}

/**
 * htpasswd lines (`user:$2y$…`) for distribution's htpasswd auth, which accepts bcrypt only.
 * bcryptjs writes `$2b$`; the `$2y$` that Apache's htpasswd writes is the same algorithm.
 * `scope` (the stack name) keeps salts apart between stacks.
 */
export function htpasswdLines(scope: string, users: readonly HtpasswdUser[]): string {
  return users
    .map((u) => `${u.username}:${bcrypt.hashSync(u.password, stableSalt(scope, u.username)).replace(/^\$2b\$/, "$2y$")}\n`)
    .join("");
}

/** True when `password` matches `username`'s line in `htpasswd`. */
export function htpasswdAccepts(htpasswd: string, username: string, password: string): boolean {
  const line = htpasswd.split("\n").find((l) => l.startsWith(`${username}:`));
  return line !== undefined && bcrypt.compareSync(password, line.slice(username.length + 1).replace(/^\$2y\$/, "$2b$"));
}
