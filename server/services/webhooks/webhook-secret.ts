// A webhook's signing secret and the signature of a body. Signing needs the secret itself, so it
// cannot be stored as a hash like an API token: it is kept encrypted with AES-256-GCM under a key
// derived from the session secret, so a copy of the database alone does not let anyone forge
// deliveries. Rotating the session secret makes stored secrets unreadable: re-create the webhooks.
import crypto from "node:crypto";
import { getAuthSecret } from "@/server/auth/secret";

const SECRET_MARK = "whsec_";
const PREFIX_LENGTH = SECRET_MARK.length + 6;

let cachedKey: Buffer | undefined;
function encryptionKey(): Buffer {
  cachedKey ??= Buffer.from(
    crypto.hkdfSync("sha256", getAuthSecret(), Buffer.alloc(0), "arbiter webhook secrets", 32),
  );
  return cachedKey;
}

export function generateWebhookSecret() {
  const secret = `${SECRET_MARK}${crypto.randomBytes(32).toString("base64url")}`;
  return { secret, prefix: secret.slice(0, PREFIX_LENGTH) };
}

export function encryptWebhookSecret(secret: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", encryptionKey(), iv);
  const encrypted = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), encrypted].map((part) => part.toString("base64url")).join(".");
}

export function decryptWebhookSecret(stored: string): string {
  const [iv, tag, encrypted] = stored.split(".").map((part) => Buffer.from(part, "base64url"));
  const decipher = crypto.createDecipheriv("aes-256-gcm", encryptionKey(), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(encrypted), decipher.final()]).toString("utf8");
}

/** The Arbiter-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Stripe's scheme). */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const digest = crypto.createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${digest}`;
}
