// The secret of an API token: 32 random bytes, shown once, stored only as its SHA-256.
// Why not bcrypt or argon2 as for passwords: a slow hash makes guessing a weak secret expensive,
// and this secret has 256 bits of entropy, so there is nothing to guess; a fast deterministic
// hash lets every API call find its token through a unique index instead of spending ~100 ms of
// CPU per request, and a leaked database still gives no usable token.
import crypto from "node:crypto";

/** Recognisable in logs and by secret scanners; never part of what is hashed away. */
const TOKEN_MARK = "arb_";
/** The mark and 8 characters of the secret: enough to tell tokens apart in a list. */
const PREFIX_LENGTH = TOKEN_MARK.length + 8;

export function hashTokenSecret(secret: string) {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

export function generateTokenSecret() {
  const secret = `${TOKEN_MARK}${crypto.randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashTokenSecret(secret), prefix: secret.slice(0, PREFIX_LENGTH) };
}
