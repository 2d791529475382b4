import { BCRYPT_MAX_PASSWORD_BYTES } from "@signed-image-lab/tooling";
import bcrypt from "bcryptjs";
import { createHmac } from "node:crypto";

export { BCRYPT_MAX_PASSWORD_BYTES };

/** A registry user and the password to hash. */
export interface HtpasswdUser {
  readonly username: string;
  readonly password: string;
}

/** bcrypt cost: the registry checks a hash on every request, so keep it modest. */
export const HTPASSWD_BCRYPT_ROUNDS = 10;

/**
 * A user's salt from the stack's random seed: the same between updates (an unchanged password
 * gives an unchanged line, so the registry is not replaced on every `pulumi up`), unknown
 * before the seed was drawn, and different for every stack and user, so the same password
 * gives another line everywhere and nothing can be computed in advance.
 */
function saltOf(seedHex: string, username: string): string {
  const bytes = createHmac("sha256", Buffer.from(seedHex, "hex")).update(username).digest();
  return `$2b$${String(HTPASSWD_BCRYPT_ROUNDS).padStart(2, "0")}$${bcrypt.encodeBase64(bytes, 16)}`;
}

/**
 * htpasswd lines (`user:$2y$…`) for distribution's htpasswd auth, which accepts bcrypt only.
 * bcryptjs writes `$2b$`; the `$2y$` that Apache's htpasswd writes is the same algorithm.
 * `seedHex` is the stack's random salt seed (at least 16 bytes, hex; a secret output of the
 * registry). Throws for a password bcrypt would truncate.
 */
export function htpasswdLines(seedHex: string, users: readonly HtpasswdUser[]): string {
  if (users.length > 0 && !/^([a-f0-9]{2}){16,}$/.test(seedHex)) {
    throw new Error("the htpasswd salt seed must be at least 16 random bytes, hex");
  }
  return users
    .map((u) => {
      if (Buffer.byteLength(u.password, "utf8") > BCRYPT_MAX_PASSWORD_BYTES) {
        throw new Error(`${u.username}'s password is longer than ${BCRYPT_MAX_PASSWORD_BYTES} bytes, which bcrypt would cut silently`);
      }
      return `${u.username}:${bcrypt.hashSync(u.password, saltOf(seedHex, u.username)).replace(/^\$2b\$/, "$2y$")}\n`;
    })
    .join("");
}

/** True when `password` matches `username`'s line in `htpasswd`. */
export function htpasswdAccepts(htpasswd: string, username: string, password: string): boolean {
  const line = htpasswd.split("\n").find((l) => l.startsWith(`${username}:`));
  return line !== undefined && bcrypt.compareSync(password, line.slice(username.length + 1).replace(/^\$2y\$/, "$2b$"));
}
