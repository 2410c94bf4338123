// Sign-in state shared by every web instance: sessions (revocable, referenced from the JWT),
// sign-in throttling per account and per address, and the request rate limits of public calls.
import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
  },
  (table) => [index("sessions_user_id_idx").on(table.userId)],
);

/** Sign-in attempts per key — an (account, address) pair, an account, an address — and the
 * earliest time the next one is admitted. An attempt counts as a failure before its password is
 * checked, and a success takes it back, so parallel guesses cannot slip past the count. */
export const signInThrottles = pgTable(
  "sign_in_throttles",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }).notNull(),
  },
  (table) => [index("sign_in_throttles_last_attempt_at_idx").on(table.lastAttemptAt)],
);

/** Calls per key (what is limited, and for which client address) in the current fixed window. */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    windowEndsAt: timestamp("window_ends_at", { withTimezone: true }).notNull(),
    calls: integer("calls").notNull(),
  },
  (table) => [index("rate_limits_window_ends_at_idx").on(table.windowEndsAt)],
);

export type Session = typeof sessions.$inferSelect;
