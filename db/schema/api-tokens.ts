// API tokens for scripts and pipelines: a bearer secret shown once and stored as its SHA-256
// (the secret is 256 random bits, so a fast hash loses nothing to guessing and lets the lookup
// use an index; see server/services/api-tokens/token-secret.ts). A token acts as its owner,
// never beyond the owner's current role, within its scope and, when set, one campaign.
import { index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { API_TOKEN_KINDS, API_TOKEN_SCOPES } from "../../lib/constants";
import { campaigns } from "./campaigns";
import { users } from "./users";

export const apiTokenKind = pgEnum("api_token_kind", API_TOKEN_KINDS);
export const apiTokenScope = pgEnum("api_token_scope", API_TOKEN_SCOPES);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** personal: its owner manages it; service: an admin made it for a pipeline, every admin sees it. */
    kind: apiTokenKind("kind").notNull(),
    /** Whom the token acts as: the person for a personal token, the admin who made a service token. */
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scope: apiTokenScope("scope").notNull(),
    /** Null: every campaign the owner may reach. */
    campaignId: uuid("campaign_id").references(() => campaigns.id, { onDelete: "cascade" }),
    /** Hex SHA-256 of the whole secret; the secret itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    /** The secret's first characters, so people can tell their tokens apart. */
    prefix: text("prefix").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Updated at most once a minute per token, so a burst of calls is not a burst of writes. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("api_tokens_token_hash_key").on(table.tokenHash),
    index("api_tokens_user_id_idx").on(table.userId),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
