// Past exports, newest first: who ran them, when, with which options, the row counts and each
// file's sha256 — and how far a running one has got.
import { count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { exportsTable, users } from "@/db/schema";
import { NotFoundError } from "@/server/errors";
import { offsetOf, PageInput, toPage } from "../pagination";

/** A running export whose progress has not moved for this long was interrupted (its server stopped). */
const STALLED_AFTER_MS = 2 * 60_000;

const COLUMNS = {
  id: exportsTable.id,
  format: exportsTable.format,
  output: exportsTable.output,
  options: exportsTable.options,
  status: exportsTable.status,
  rowCounts: exportsTable.rowCounts,
  files: exportsTable.files,
  error: exportsTable.error,
  via: exportsTable.via,
  createdAt: exportsTable.createdAt,
  completedAt: exportsTable.completedAt,
  durationMs: exportsTable.durationMs,
  progressDone: exportsTable.progressDone,
  progressTotal: exportsTable.progressTotal,
  progressAt: exportsTable.progressAt,
  createdByEmail: users.email,
};

type ExportRow = { status: string; progressAt: Date | null; createdAt: Date };

function withStall<T extends ExportRow>(row: T, now = Date.now()) {
  const lastSign = (row.progressAt ?? row.createdAt).getTime();
  return { ...row, isStalled: row.status === "running" && now - lastSign > STALLED_AFTER_MS };
}

export const ListExportsInput = PageInput;
export type ListExportsInput = z.input<typeof ListExportsInput>;

export async function listExports(db: Db, rawInput: ListExportsInput) {
  const input = ListExportsInput.parse(rawInput);
  const rows = await db
    .select(COLUMNS)
    .from(exportsTable)
    .leftJoin(users, eq(users.id, exportsTable.createdById))
    .orderBy(desc(exportsTable.createdAt), desc(exportsTable.id))
    .limit(input.pageSize)
    .offset(offsetOf(input));
  const [{ total }] = await db.select({ total: count() }).from(exportsTable);
  return toPage(
    rows.map((row) => withStall(row)),
    total,
    input,
  );
}

export const GetExportInput = z.object({ id: z.uuid("An export id is a UUID.") });
export type GetExportInput = z.input<typeof GetExportInput>;

export async function getExport(db: Db, rawInput: GetExportInput) {
  const { id } = GetExportInput.parse(rawInput);
  const [row] = await db
    .select(COLUMNS)
    .from(exportsTable)
    .leftJoin(users, eq(users.id, exportsTable.createdById))
    .where(eq(exportsTable.id, id));
  if (!row) throw new NotFoundError("This export was not found. It may not have started yet.");
  return withStall(row);
}
