// Calls procedures as a given user, through the same middleware the HTTP route uses.
import type { Db } from "@/db/client";
import { createCaller } from "@/server/api/root";
import type { SessionUser } from "@/server/auth/session-user";

export function callerFor(db: Db, user: SessionUser | null) {
  return createCaller({ db, user, clientAddress: null });
}
