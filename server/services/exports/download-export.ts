// An export as an HTTP download. A single file streams as it is written; a dataset folder (or a
// train/test pair) is written to a temporary folder and streamed as one tar archive when done.
// The caller's id lets the page follow the progress in the exports table while the bytes flow;
// closing the download cancels the export.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { once } from "node:events";
import { z } from "zod";
import type { Db } from "@/db/client";
import type { SessionUser } from "@/server/auth/session-user";
import { EXPORT_OUTPUTS, ExportOptions, hasTestSplit, type ExportOutput } from "./options";
import { runExport } from "./run-export";
import { folderTarget, writableSink } from "./sinks";
import { tarChunks } from "./tar";

export const DownloadExportInput = z.object({
  /** Chosen by the page (a UUID), so it can poll the export's progress while downloading. */
  id: z.uuid("An export id is a UUID."),
  output: z.enum(EXPORT_OUTPUTS),
  options: ExportOptions,
});
export type DownloadExportInput = z.input<typeof DownloadExportInput>;

export interface ExportDownload {
  id: string;
  filename: string;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

const CONTENT_TYPES: Record<ExportOutput | "tar", string> = {
  jsonl: "application/x-ndjson",
  parquet: "application/vnd.apache.parquet",
  "hf-dataset": "application/x-tar",
  tar: "application/x-tar",
};

/** "arbiter-helpfulness-main-trl": names of the campaigns (or the kind) and the format. */
function downloadBaseName(options: ExportOptions) {
  const what = options.campaigns.length ? options.campaigns.join("+") : `all-${options.campaignKind}`;
  const name = `arbiter-${what}-${options.format}`.toLowerCase().replace(/[^a-z0-9+._-]+/g, "-");
  return name.slice(0, 120);
}

/** Resolves once the export is validated and recorded (bad input rejects here, before any byte). */
export async function startExportDownload(
  db: Db,
  rawInput: DownloadExportInput,
  actor: SessionUser,
  key: Buffer,
  signal: AbortSignal,
): Promise<ExportDownload> {
  const input = DownloadExportInput.parse(rawInput);
  const baseName = downloadBaseName(input.options);
  const isArchive = input.output === "hf-dataset" || hasTestSplit(input.options);
  const controller = new AbortController();
  const abort = () => controller.abort(new Error("The download was closed before it finished."));
  signal.addEventListener("abort", abort, { once: true });

  const body = new PassThrough({ highWaterMark: 1 << 20 });
  // A failure is reported to the reader through the web stream, and recorded by runExport.
  body.on("error", () => {});
  // The reader went away (cancelled download, closed tab): stop the export.
  body.on("close", () => {
    if (!body.writableFinished) abort();
  });

  const staging = isArchive ? await fs.promises.mkdtemp(path.join(os.tmpdir(), "arbiter-export-")) : null;
  let announceStart: () => void = () => {};
  const started = new Promise<void>((resolve) => (announceStart = resolve));

  const run = (async () => {
    try {
      const result = await runExport(
        db,
        { options: input.options, output: input.output, baseName },
        // The body ends below, once the record is complete: a finished download always finds
        // its sha256 recorded.
        staging ? folderTarget(staging) : { open: async () => writableSink(body, controller.signal) },
        { id: input.id, actor, via: "web", key, signal: controller.signal, onStart: () => announceStart() },
      );
      if (staging) {
        const files = result.files.map((file) => ({ ...file, path: path.join(staging, file.name) }));
        for await (const chunk of tarChunks(files)) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (!body.write(chunk)) await once(body, "drain", { signal: controller.signal });
        }
      }
      body.end();
    } catch (error) {
      body.destroy(error as Error);
      throw error;
    } finally {
      signal.removeEventListener("abort", abort);
      if (staging) await fs.promises.rm(staging, { recursive: true, force: true });
    }
  })();
  // After the start, failures reach the reader as a broken stream and the record says why.
  run.catch(() => {});
  await Promise.race([started, run]);

  return {
    id: input.id,
    filename: `${baseName}${isArchive ? ".tar" : input.output === "jsonl" ? ".jsonl" : ".parquet"}`,
    contentType: CONTENT_TYPES[isArchive ? "tar" : input.output],
    body: Readable.toWeb(body) as ReadableStream<Uint8Array>,
  };
}
