// `npm run export -- --campaign NAME --format trl --out PATH [options]`: writes a preference
// dataset from the command line, with the same code and record as the admin page. A PATH ending
// in .jsonl gives JSON lines, .parquet Parquet, anything else a Hugging Face dataset folder.
// Files are staged beside PATH and moved in only when complete, so Ctrl-C never leaves a
// half-written file under the name asked for.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { getDatabase } from "@/server/db";
import { env } from "@/server/env";
import { getAuthSecret } from "@/server/auth/secret";
import { isDomainError } from "@/server/errors";
import { ExportOptions, hasTestSplit, type ExportOutput } from "@/server/services/exports/options";
import { deriveExportKey } from "@/server/services/exports/pseudonym";
import { runExport, splitFileNames } from "@/server/services/exports/run-export";
import { folderTarget } from "@/server/services/exports/sinks";

const USAGE = `Usage: npm run export -- --campaign NAME --format FORMAT --out PATH [options]

  --campaign NAME          a campaign to export (repeat for several)
  --kind helpfulness|safety  every campaign of this kind (instead of, or to narrow, --campaign)
  --format FORMAT          trl | trl-text | hh-rlhf | kto | raw
  --out PATH               *.jsonl: JSON lines; *.parquet: Parquet; anything else: a Hugging Face
                           dataset folder. With a test split, single files become
                           NAME-train.EXT and NAME-test.EXT beside PATH.
  --margin SCHEME          none | small | large | custom (default small: Llama 2 Table 27)
  --custom-margins A,B,C,D margins for significantly better, better, slightly better, negligibly better
  --batches 1,2            batch numbers (default: all)
  --from DATE --to DATE    comparisons submitted in [from, to)
  --drop-negligible        leave out "negligibly better / unsure" ratings
  --accepted-only          only ratings a reviewer accepted
  --include-rejected       keep ratings a reviewer rejected
  --include-reported       keep turns reported as a problem
  --exclude-flagged        training formats: leave out turns flagged for identity leaks (raw marks them)
  --no-safety-rule         keep pairs whose chosen response is unsafe while the other is safe
  --keep-preprompt         keep the safety preprompt in prompts (default: strip it)
  --aggregate-overlap      one judgement per turn from overlap ratings (majority, mean margin)
  --test-fraction F        test split: this fraction of dialogues
  --test-count N           test split: N dialogues per batch
  --split-seed S           seed of the split hash (default "arbiter")
  --chat-template NAME     trl-text: llama-2 (default) | llama-3 | chatml
  --labels human|judge|both  training formats: the annotators' choices (default), the campaign's LLM
                           judge's verdicts (RLAIF), or the annotators' where the review filters keep
                           them and the judge's where they do not
  --force                  replace PATH if it exists
  --json                   print a JSON summary on stdout
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function list(value: string | undefined, parse: (item: string) => number) {
  return value === undefined ? undefined : value.split(",").filter(Boolean).map(parse);
}

function outputOf(out: string): ExportOutput {
  if (out.endsWith(".jsonl")) return "jsonl";
  if (out.endsWith(".parquet")) return "parquet";
  return "hf-dataset";
}

async function main() {
  const { values } = parseArgs({
    options: {
      campaign: { type: "string", multiple: true },
      kind: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      margin: { type: "string" },
      "custom-margins": { type: "string" },
      batches: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      "drop-negligible": { type: "boolean" },
      "accepted-only": { type: "boolean" },
      "include-rejected": { type: "boolean" },
      "include-reported": { type: "boolean" },
      "exclude-flagged": { type: "boolean" },
      "no-safety-rule": { type: "boolean" },
      "keep-preprompt": { type: "boolean" },
      "aggregate-overlap": { type: "boolean" },
      "test-fraction": { type: "string" },
      "test-count": { type: "string" },
      "split-seed": { type: "string" },
      "chat-template": { type: "string" },
      labels: { type: "string" },
      force: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) fail(`--out is required.\n\n${USAGE}`);
  if (values["test-fraction"] && values["test-count"])
    fail("Give --test-fraction or --test-count, not both.");

  const parsed = ExportOptions.safeParse({
    format: values.format,
    campaigns: values.campaign ?? [],
    campaignKind: values.kind,
    batches: list(values.batches, Number),
    from: values.from,
    to: values.to,
    marginScheme: values.margin,
    customMargins: list(values["custom-margins"], Number),
    dropNegligible: values["drop-negligible"],
    acceptedOnly: values["accepted-only"],
    excludeRejected: !values["include-rejected"],
    excludeReported: !values["include-reported"],
    excludeFlagged: values["exclude-flagged"] ?? false,
    safetyRule: !values["no-safety-rule"],
    safetyPreprompt: values["keep-preprompt"] ? "keep" : "strip",
    overlap: values["aggregate-overlap"] ? "aggregate" : "per-annotator",
    split: values["test-fraction"]
      ? { kind: "fraction", value: Number(values["test-fraction"]), seed: values["split-seed"] }
      : values["test-count"]
        ? { kind: "count-per-batch", value: Number(values["test-count"]), seed: values["split-seed"] }
        : undefined,
    chatTemplate: values["chat-template"],
    labels: values.labels,
  });
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "options"}: ${issue.message}`).join("\n"),
    );
  }

  const out = path.resolve(values.out);
  const output = outputOf(out);
  const extension = path.extname(out);
  const baseName = path.basename(out, extension);
  const folder = path.dirname(out);
  if (!fs.existsSync(folder)) fail(`The folder ${folder} does not exist.`);
  const staging = path.join(folder, `.${path.basename(out)}.partial-${process.pid}`);
  const targets =
    output === "hf-dataset"
      ? [out]
      : Object.values(splitFileNames(output, baseName, hasTestSplit(parsed.data))).map((name) =>
          path.join(folder, name!),
        );
  const existing = targets.filter((target) => fs.existsSync(target));
  if (existing.length && !values.force)
    fail(`${existing.join(", ")} exists. Remove it or pass --force to replace it.`);

  if (env.DATABASE_URL && !env.ARBITER_EXPORT_KEY && !env.NEXTAUTH_SECRET) {
    process.stderr.write(
      "Note: neither ARBITER_EXPORT_KEY nor NEXTAUTH_SECRET is set; annotator pseudonyms are keyed by the secret in " +
        `${env.ARBITER_DATA_DIR}. Set the same key as the server for pseudonyms that match its exports.\n`,
    );
  }

  const controller = new AbortController();
  const stop = () => {
    if (!controller.signal.aborted) process.stderr.write("\nStopping the export…\n");
    controller.abort(new Error("The export was interrupted."));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const database = await getDatabase();
  const progress = progressPrinter();
  try {
    fs.mkdirSync(staging);
    const result = await runExport(
      database.db,
      { options: parsed.data, output, baseName },
      folderTarget(staging),
      {
        actor: null,
        via: "cli",
        key: deriveExportKey(env.ARBITER_EXPORT_KEY, getAuthSecret),
        signal: controller.signal,
        onStart: ({ id, total }) => process.stderr.write(`Export ${id}: ${total} comparisons match.\n`),
        onProgress: progress,
      },
    );
    progress.done();
    const moved = moveIntoPlace(
      staging,
      output === "hf-dataset" ? out : folder,
      output,
      result.files,
      values.force ?? false,
    );
    for (const file of result.files) {
      process.stderr.write(`${file.sha256}  ${file.rows} rows  ${path.join(moved, file.name)}\n`);
    }
    if (values.json) {
      const rows = Object.values(result.rowCounts).reduce((sum, count) => sum + (count ?? 0), 0);
      process.stdout.write(
        JSON.stringify({
          id: result.id,
          format: parsed.data.format,
          output,
          comparisons: result.stats.comparisonsRead,
          rows,
          rowCounts: result.rowCounts,
          seconds: result.durationMs / 1000,
          rowsPerSecond: rows / (result.durationMs / 1000),
          comparisonsPerSecond: result.stats.comparisonsRead / (result.durationMs / 1000),
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
          cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
          files: result.files,
        }) + "\n",
      );
    }
  } catch (error) {
    progress.done();
    fs.rmSync(staging, { recursive: true, force: true });
    if (controller.signal.aborted) {
      process.stderr.write("The export was cancelled; nothing was written.\n");
      process.exitCode = 130;
    } else if (isDomainError(error)) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  } finally {
    await database.close();
  }
}

/** Moves the staged files to their names; a folder export replaces the folder as a whole. */
function moveIntoPlace(
  staging: string,
  destination: string,
  output: ExportOutput,
  files: { name: string }[],
  force: boolean,
) {
  if (output === "hf-dataset") {
    if (fs.existsSync(destination)) {
      if (!force) failAndClean(staging, `${destination} exists. Remove it or pass --force to replace it.`);
      fs.rmSync(destination, { recursive: true });
    }
    fs.renameSync(staging, destination);
    return destination;
  }
  for (const file of files) {
    const target = path.join(destination, file.name);
    if (fs.existsSync(target) && !force) {
      failAndClean(staging, `${target} exists. Remove it or pass --force to replace it.`);
    }
  }
  for (const file of files) fs.renameSync(path.join(staging, file.name), path.join(destination, file.name));
  fs.rmSync(staging, { recursive: true, force: true });
  return destination;
}

function failAndClean(staging: string, message: string): never {
  fs.rmSync(staging, { recursive: true, force: true });
  fail(message);
}

/** "12,000 / 1,000,000 comparisons (1%)" on one updating line, or a line per tenth when piped. */
function progressPrinter() {
  const isTty = process.stderr.isTTY;
  let lastTenth = -1;
  let printed = false;
  const report = (done: number, total: number) => {
    const percent = total ? Math.floor((100 * done) / total) : 100;
    const line = `Exported ${done.toLocaleString("en")} / ${total.toLocaleString("en")} comparisons (${percent}%)`;
    if (isTty) {
      process.stderr.write(`\r${line}`);
      printed = true;
    } else if (Math.floor(percent / 10) > lastTenth) {
      lastTenth = Math.floor(percent / 10);
      process.stderr.write(`${line}\n`);
    }
  };
  report.done = () => {
    if (printed) process.stderr.write("\n");
    printed = false;
  };
  return report;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
