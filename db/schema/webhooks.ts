// Webhooks: URLs an admin registers per campaign for events, and the log of every delivery.
// The signing secret is stored encrypted (AES-256-GCM under a key derived from the session
// secret; server/services/webhooks/webhook-secret.ts), since signing needs the secret itself.
import { boolean, index, integer, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENTS } from "../../lib/constants";
import { campaigns } from "./campaigns";
import { users } from "./users";

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", WEBHOOK_DELIVERY_STATUSES);

export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events").array().$type<(typeof WEBHOOK_EVENTS)[number][]>().notNull(),
    /** The signing secret, encrypted: iv, tag and ciphertext, base64url, dot-separated. */
    secretEncrypted: text("secret_encrypted").notNull(),
    /** The secret's first characters, so admins can tell which one a receiver holds. */
    secretPrefix: text("secret_prefix").notNull(),
    isActive: boolean("is_active").notNull().default(true),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("webhooks_campaign_idx").on(table.campaignId)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** Sent as Arbiter-Delivery: the same on every retry, so receivers can drop duplicates. */
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    /** The JSON body, exactly as signed and sent. */
    body: text("body").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** The last attempt's HTTP status (null: no answer) and error. */
    responseStatus: integer("response_status"),
    error: text("error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (table) => [index("webhook_deliveries_webhook_idx").on(table.webhookId, table.createdAt)],
);

export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
