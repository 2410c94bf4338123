// The key that signs session JWTs: NEXTAUTH_SECRET, or one generated on first start and kept in
// the data directory so sessions survive restarts. Instances behind one load balancer must
// share it: set NEXTAUTH_SECRET for them.
import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";

let cached: string | undefined;

export function secretFilePath(dataDir = env.ARBITER_DATA_DIR) {
  return path.join(dataDir, "nextauth-secret");
}

export function readOrCreateSecret(file: string): string {
  try {
    // Private to the server's user: the data directory holds this secret and the database.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, crypto.randomBytes(48).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = fs.readFileSync(file, "utf8").trim();
  if (secret.length < 32) {
    throw new Error(`The session secret in ${file} is too short. Delete the file to generate a new one.`);
  }
  return secret;
}

export function getAuthSecret(): string {
  cached ??= env.NEXTAUTH_SECRET ?? readOrCreateSecret(secretFilePath());
  return cached;
}
