// One export from start to finish: record it, read the comparisons page by page, turn them into
// rows of the chosen format, route each dialogue to its split, write the files, and record the
// row counts and each file's sha256 — or record why it stopped (failed, cancelled).
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { exportsTable } from "@/db/schema";
import type { SessionUser } from "@/server/auth/session-user";
import { ConflictError } from "@/server/errors";
import { emitWebhookEvent } from "../webhooks/deliver-webhook";
import { columnsOf, createFormatContext, rowsOf } from "./formats";
import { datasetCard, emptyStats, type ExportStats } from "./dataset-card";
import { canonicalOptions, hasTestSplit, type ExportOptions, type ExportOutput } from "./options";
import { createPseudonymizer, keyFingerprint } from "./pseudonym";
import { countComparisons, readTestConversations, readUnits, resolveScope } from "./read-units";
import {
  JsonLinesWriter,
  ParquetRowWriter,
  TextFileWriter,
  type ExportTarget,
  type RowWriter,
  type WrittenFile,
} from "./sinks";
import { createSplitter, type SplitName } from "./split";

export interface ExportRequest {
  options: ExportOptions;
  output: ExportOutput;
  /** Single-file outputs are named after it: "<base>.jsonl", or "<base>-train.jsonl" and "<base>-test.jsonl". */
  baseName: string;
}

export interface ExportRunContext {
  /** Chosen by the caller so a page can follow the progress; generated when absent. */
  id?: string;
  actor: SessionUser | null;
  via: "web" | "cli";
  /** The pseudonym key (see pseudonym.ts). */
  key: Buffer;
  signal?: AbortSignal;
  /** Comparisons per database page (tests use small pages to cross page boundaries). */
  pageSize?: number;
  onStart?(info: { id: string; total: number }): void;
  onProgress?(done: number, total: number): void;
}

export interface ExportResult {
  id: string;
  files: WrittenFile[];
  rowCounts: Partial<Record<SplitName, number>>;
  stats: ExportStats;
  durationMs: number;
}

const HF_SPLIT_FILES: Record<SplitName, string> = {
  train: "data/train-00000-of-00001.parquet",
  test: "data/test-00000-of-00001.parquet",
};

export function splitFileNames(
  output: ExportOutput,
  baseName: string,
  withTest: boolean,
): Partial<Record<SplitName, string>> {
  if (output === "hf-dataset") return withTest ? HF_SPLIT_FILES : { train: HF_SPLIT_FILES.train };
  const extension = output === "jsonl" ? ".jsonl" : ".parquet";
  if (!withTest) return { train: `${baseName}${extension}` };
  return { train: `${baseName}-train${extension}`, test: `${baseName}-test${extension}` };
}

function describeError(error: unknown) {
  return error instanceof Error ? error.message : String(error);
}

export async function runExport(
  db: Db,
  request: ExportRequest,
  target: ExportTarget,
  run: ExportRunContext,
): Promise<ExportResult> {
  const started = Date.now();
  const options = canonicalOptions(request.options);
  const scope = await resolveScope(db, options);
  const total = await countComparisons(db, scope, options);

  const [record] = await db
    .insert(exportsTable)
    .values({
      ...(run.id ? { id: run.id } : {}),
      format: options.format,
      output: request.output,
      options: { ...options, snapshotAt: scope.snapshotAt } as Record<string, unknown>,
      createdById: run.actor?.id ?? null,
      via: run.via,
      progressTotal: total,
      progressAt: new Date(),
    })
    .onConflictDoNothing()
    .returning({ id: exportsTable.id });
  if (!record)
    throw new ConflictError("An export with this id was already started. Start a new export instead.");
  const id = record.id;
  run.onStart?.({ id, total });

  const writers = new Map<SplitName, RowWriter>();
  try {
    const withTest = hasTestSplit(options);
    const testConversations =
      options.split.kind === "count-per-batch" && withTest
        ? await readTestConversations(db, scope, options)
        : null;
    const splitOf = createSplitter(options.split, testConversations);

    const columns = columnsOf(options.format, options);
    const names = splitFileNames(request.output, request.baseName, withTest);
    for (const split of Object.keys(names) as SplitName[]) {
      const name = names[split]!;
      const sink = await target.open(name);
      writers.set(
        split,
        request.output === "jsonl"
          ? new JsonLinesWriter(name, sink)
          : new ParquetRowWriter(name, sink, columns),
      );
    }

    const context = createFormatContext(options, createPseudonymizer(run.key));
    const stats = emptyStats();
    for await (const page of readUnits(db, scope, options, { signal: run.signal, pageSize: run.pageSize })) {
      for (const unit of page.units) {
        const { rows, safetyExcludedPairs } = rowsOf(unit, context);
        stats.safetyExcludedPairs += safetyExcludedPairs;
        if (unit.responses.length > 2) stats.rankingUnits++;
        if (rows.length === 0) {
          stats.unitsWithoutRows++;
          continue;
        }
        stats.unitsWithRows++;
        for (const response of unit.responses) countModel(stats, response);
        const split = splitOf(unit.conversation.id);
        stats.rows[split] += rows.length;
        // Written unit by unit, so rows die young (the writers buffer the bytes, not the rows).
        await writers.get(split)!.write(rows);
      }
      stats.comparisonsRead += page.comparisonsRead;
      run.signal?.throwIfAborted();
      await db
        .update(exportsTable)
        .set({ progressDone: stats.comparisonsRead, progressAt: new Date() })
        .where(eq(exportsTable.id, id));
      run.onProgress?.(stats.comparisonsRead, total);
    }

    const files: WrittenFile[] = [];
    for (const writer of writers.values()) files.push(await writer.finish());
    writers.clear();

    if (request.output === "hf-dataset") {
      const card = datasetCard({
        options,
        campaigns: scope.campaigns,
        columns,
        splits: (Object.keys(names) as SplitName[]).map((split) => ({
          name: split,
          path: `data/${split}-*`,
        })),
        stats,
        keyFingerprint: keyFingerprint(run.key),
      });
      const readme = new TextFileWriter("README.md", await target.open("README.md"));
      await readme.writeText(card);
      files.push(await readme.finish());
    }

    const rowCounts = Object.fromEntries(
      (Object.keys(names) as SplitName[]).map((split) => [split, stats.rows[split]]),
    ) as Partial<Record<SplitName, number>>;
    const durationMs = Date.now() - started;
    await db.transaction(async (tx) => {
      await tx
        .update(exportsTable)
        .set({
          status: "completed",
          rowCounts,
          files,
          completedAt: new Date(),
          durationMs,
          progressDone: stats.comparisonsRead,
          progressAt: new Date(),
        })
        .where(eq(exportsTable.id, id));
      for (const campaign of scope.campaigns) {
        await emitWebhookEvent(tx, campaign.id, "export.finished", {
          export: { id, format: options.format, output: request.output, rowCounts, durationMs },
        });
      }
    });
    return { id, files, rowCounts, stats, durationMs };
  } catch (error) {
    await Promise.all([...writers.values()].map((writer) => writer.discard().catch(() => {})));
    const cancelled = run.signal?.aborted ?? false;
    await db
      .update(exportsTable)
      .set({
        status: cancelled ? "cancelled" : "failed",
        error: cancelled ? "The export was cancelled before it finished." : describeError(error),
        completedAt: new Date(),
        durationMs: Date.now() - started,
        progressAt: new Date(),
      })
      .where(sql`${exportsTable.id} = ${id} and ${exportsTable.status} = 'running'`)
      .catch(() => {});
    throw error;
  }
}

/** Responses per generating model, for the dataset card (nested maps: no key string per response). */
function countModel(
  stats: ExportStats,
  response: { variantName: string; model: string; variantVersion: string },
) {
  let byModel = stats.models.get(response.variantName);
  if (!byModel) stats.models.set(response.variantName, (byModel = new Map()));
  let byVersion = byModel.get(response.model);
  if (!byVersion) byModel.set(response.model, (byVersion = new Map()));
  byVersion.set(response.variantVersion, (byVersion.get(response.variantVersion) ?? 0) + 1);
}
