// People who use Arbiter, their roles, and the one-time links that let invited users set a password.
import { sql } from "drizzle-orm";
import { boolean, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const ROLES = ["annotator", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const userRole = pgEnum("user_role", ROLES);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored lower-case and trimmed; unique. */
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: userRole("role").notNull(),
    /** argon2id PHC string; null until an invited user sets a password. */
    passwordHash: text("password_hash"),
    isActive: boolean("is_active").notNull().default(true),
    /** When they last opened their feedback; newer reviews and replies count as new. */
    feedbackSeenAt: timestamp("feedback_seen_at", { withTimezone: true }),
    /** The interface language they chose (lib/locales.ts); null: their browser's. */
    locale: text("locale"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deactivatedAt: timestamp("deactivated_at", { withTimezone: true }),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
  },
  (table) => [uniqueIndex("users_email_key").on(table.email)],
);

export const userInvitations = pgTable(
  "user_invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** sha256 of the token in the link; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    /** Campaigns the person joins when they accept (one deleted or archived meanwhile is skipped). */
    campaignIds: uuid("campaign_ids")
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
  },
  (table) => [
    uniqueIndex("user_invitations_token_hash_key").on(table.tokenHash),
    index("user_invitations_user_id_idx").on(table.userId),
  ],
);

export type User = typeof users.$inferSelect;
export type UserInvitation = typeof userInvitations.$inferSelect;
