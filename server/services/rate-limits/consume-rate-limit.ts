// Call budgets per key in fixed windows, kept in the database so every web instance shares them:
// one upsert counts the call and returns the count, so parallel calls cannot all pass.
import { lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { rateLimits } from "@/db/schema";
import { TooManyRequestsError } from "@/server/errors";

export interface RateLimit {
  /** What is limited and for which client address, e.g. `public:203.0.113.7`. */
  key: string;
  calls: number;
  windowMs: number;
  /** Whose calls, in the refusal: "from your network address" unless told. */
  source?: string;
}

/** "12 seconds", "3 minutes". */
export function describeWait(seconds: number) {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Counts one call against `limit`; throws TooManyRequestsError, saying when to retry, past it. */
export async function consumeRateLimit(db: Db, limit: RateLimit, now = new Date()) {
  // Windows are aligned to the clock, so a key's window is known without reading its row.
  const windowEndsAt = new Date((Math.floor(now.getTime() / limit.windowMs) + 1) * limit.windowMs);
  const [row] = await db
    .insert(rateLimits)
    .values({ key: limit.key, windowEndsAt, calls: 1 })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        calls: sql`case when ${rateLimits.windowEndsAt} = excluded.window_ends_at then ${rateLimits.calls} + 1 else 1 end`,
        windowEndsAt: sql`excluded.window_ends_at`,
      },
    })
    .returning({ calls: rateLimits.calls });
  // A key's first call in a window is a cheap moment to drop the windows that have ended.
  if (row.calls === 1) await db.delete(rateLimits).where(lt(rateLimits.windowEndsAt, now));
  if (row.calls > limit.calls) {
    const seconds = Math.max(1, Math.ceil((windowEndsAt.getTime() - now.getTime()) / 1000));
    throw new TooManyRequestsError(
      `Too many requests ${limit.source ?? "from your network address"}. Wait ${describeWait(seconds)} and try again.`,
      {
        key: "tooManyRequests",
        values:
          seconds < 60
            ? { unit: "seconds", wait: seconds }
            : { unit: "minutes", wait: Math.ceil(seconds / 60) },
      },
    );
  }
}
