// Bookkeeping for the pairing policy: how many turns each unordered pair of variants has been
// shown together in, so the next turn can take the least-used pair without scanning responses.
import { integer, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import { campaigns, modelVariants } from "./campaigns";

export const variantPairUsage = pgTable(
  "variant_pair_usage",
  {
    campaignId: uuid("campaign_id")
      .notNull()
      .references(() => campaigns.id, { onDelete: "cascade" }),
    /** The pair in id order (variant_a_id < variant_b_id), so each unordered pair has one row. */
    variantAId: uuid("variant_a_id")
      .notNull()
      .references(() => modelVariants.id, { onDelete: "cascade" }),
    variantBId: uuid("variant_b_id")
      .notNull()
      .references(() => modelVariants.id, { onDelete: "cascade" }),
    turns: integer("turns").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.campaignId, table.variantAId, table.variantBId] })],
);

export type VariantPairUsage = typeof variantPairUsage.$inferSelect;
