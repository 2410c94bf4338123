// The first rows an export would give, without writing or recording anything: the admin page
// shows them before the download starts.
import { z } from "zod";
import type { Db } from "@/db/client";
import { createFormatContext, rowsOf, type Row } from "./formats";
import { canonicalOptions, ExportOptions, hasTestSplit } from "./options";
import { createPseudonymizer } from "./pseudonym";
import { countComparisons, readTestConversations, readUnits, resolveScope } from "./read-units";
import { createSplitter, type SplitName } from "./split";

export const PreviewExportInput = z.object({
  options: ExportOptions,
  rows: z.number().int().min(1).max(20).default(5),
});
export type PreviewExportInput = z.input<typeof PreviewExportInput>;

export async function previewExport(db: Db, rawInput: PreviewExportInput, key: Buffer) {
  const input = PreviewExportInput.parse(rawInput);
  const options = canonicalOptions(input.options);
  const scope = await resolveScope(db, options);
  const matchingComparisons = await countComparisons(db, scope, options);
  const testConversations =
    hasTestSplit(options) && options.split.kind === "count-per-batch"
      ? await readTestConversations(db, scope, options)
      : null;
  const context = createFormatContext(options, createPseudonymizer(key));
  const splitOf = createSplitter(options.split, testConversations);
  const rows: { split: SplitName; row: Row }[] = [];
  for await (const page of readUnits(db, scope, options, { pageSize: 50 })) {
    for (const unit of page.units) {
      const split = splitOf(unit.conversation.id);
      for (const row of rowsOf(unit, context).rows) rows.push({ split, row });
    }
    if (rows.length >= input.rows) break;
  }
  return { matchingComparisons, rows: rows.slice(0, input.rows) };
}
