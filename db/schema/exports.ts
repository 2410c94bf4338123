// Every dataset export is recorded: who, when, the options, row counts and each file's sha256,
// so a dataset can be traced back and re-created byte for byte.
import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./users";

export const EXPORT_STATUSES = ["running", "completed", "failed", "cancelled"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export const exportStatus = pgEnum("export_status", EXPORT_STATUSES);

export const exportsTable = pgTable(
  "exports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** "trl" | "trl-text" | "hh-rlhf" | "kto" | "raw" */
    format: text("format").notNull(),
    /** "jsonl" | "parquet" | "hf-dataset" */
    output: text("output").notNull(),
    /** The validated export options (filters, margin scheme, split...). */
    options: jsonb("options").$type<Record<string, unknown>>().notNull(),
    status: exportStatus("status").notNull().default("running"),
    /** Rows per split, e.g. { train: 900, test: 100 }. */
    rowCounts: jsonb("row_counts").$type<Record<string, number>>().notNull().default({}),
    files: jsonb("files")
      .$type<{ name: string; bytes: number; sha256: string; rows: number }[]>()
      .notNull()
      .default([]),
    error: text("error"),
    /** Comparisons read so far, of progressTotal (the count matching the filters when it began). */
    progressDone: integer("progress_done").notNull().default(0),
    progressTotal: integer("progress_total"),
    /** Last progress update; a running export that stopped updating was interrupted. */
    progressAt: timestamp("progress_at", { withTimezone: true }),
    /** Null when run from the CLI. */
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    /** "web" or "cli" */
    via: text("via").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    durationMs: integer("duration_ms"),
  },
  (table) => [index("exports_created_idx").on(table.createdAt)],
);

export type ExportRecord = typeof exportsTable.$inferSelect;
