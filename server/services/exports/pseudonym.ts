// Pseudonymous annotator ids: HMAC-SHA256 of the user id under a key that never leaves the
// server, so the same person has the same id in every export and no export reveals who it is.
// The key is ARBITER_EXPORT_KEY, or derived from the session secret (NEXTAUTH_SECRET, or the one
// generated in the data directory) — the CLI and the server share it when they share that secret.
import crypto from "node:crypto";

export function deriveExportKey(exportKey: string | undefined, sessionSecret: () => string): Buffer {
  if (exportKey) return Buffer.from(exportKey, "utf8");
  return crypto.createHmac("sha256", sessionSecret()).update("arbiter export pseudonyms v1").digest();
}

/** A short fingerprint of the key, printed in the dataset card so mismatched keys show. */
export function keyFingerprint(key: Buffer) {
  return crypto.createHash("sha256").update(key).digest("hex").slice(0, 12);
}

export function createPseudonymizer(key: Buffer) {
  const cache = new Map<string, string>();
  return (userId: string) => {
    let pseudonym = cache.get(userId);
    if (!pseudonym) {
      pseudonym = crypto.createHmac("sha256", key).update(userId).digest("hex").slice(0, 32);
      cache.set(userId, pseudonym);
    }
    return pseudonym;
  };
}
