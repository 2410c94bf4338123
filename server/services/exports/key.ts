// The server's pseudonym key (see pseudonym.ts), read from the configuration once.
import { getAuthSecret } from "@/server/auth/secret";
import { env } from "@/server/env";
import { deriveExportKey } from "./pseudonym";

let cached: Buffer | undefined;

export function serverExportKey(): Buffer {
  cached ??= deriveExportKey(env.ARBITER_EXPORT_KEY, getAuthSecret);
  return cached;
}
