// The first rows an export would give, without writing or recording anything: the admin page
// shows them before the download starts. When nothing comes out it says why (which filters left
// the comparisons out), and it warns when the test split would be empty.
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

/** Filters that leave comparisons out, with the words the preview explains them in. */
const EXCLUDING_FILTERS = [
  ["acceptedOnly", "Not accepted by a reviewer (only accepted ones are exported)"],
  ["excludeRejected", "Rejected by a reviewer"],
  ["excludeReported", "On turns an annotator reported as broken"],
  ["dropNegligible", "Only negligibly better (dropped)"],
] as const;

/** Pages of 50 units the preview reads at most while looking for a row in the test split. */
const MAX_PAGES_FOR_TEST_SPLIT = 40;

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
  let hasTestRows = false;
  let hasReadAll = true;
  let pagesRead = 0;
  for await (const page of readUnits(db, scope, options, { pageSize: 50 })) {
    for (const unit of page.units) {
      const split = splitOf(unit.conversation.id);
      for (const row of rowsOf(unit, context).rows) {
        rows.push({ split, row });
        if (split === "test") hasTestRows = true;
      }
    }
    // Read on past the shown rows only to find a test row, and not through a large export.
    pagesRead += 1;
    const isLookingForTest = hasTestSplit(options) && !hasTestRows && pagesRead < MAX_PAGES_FOR_TEST_SPLIT;
    if (rows.length >= input.rows && !isLookingForTest) {
      hasReadAll = false;
      break;
    }
  }
  // Why nothing comes out: each filter that is on, with the comparisons it alone leaves out.
  const excluded: { reason: string; comparisons: number }[] = [];
  if (matchingComparisons === 0) {
    for (const [option, reason] of EXCLUDING_FILTERS) {
      if (!options[option]) continue;
      const comparisons = await countComparisons(db, scope, { ...options, [option]: false });
      if (comparisons > 0) excluded.push({ reason, comparisons });
    }
  }
  return {
    matchingComparisons,
    rows: rows.slice(0, input.rows),
    excluded,
    /** Comparisons matched but every one was kept out of the rows by the Llama 2 safety rule. */
    isSafetyRuleExcludingAll: options.safetyRule && matchingComparisons > 0 && rows.length === 0,
    /** The split asks for a test set, but no row landed in it. */
    isTestSplitEmpty: hasTestSplit(options) && hasReadAll && rows.length > 0 && !hasTestRows,
  };
}
