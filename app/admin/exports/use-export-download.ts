"use client";
// Downloading an export: streams /api/exports/download while the export's record (polled) gives
// the progress, then hands the file to the browser. The export form starts one with its options;
// the list of past exports starts one again with the options it recorded (byte-identical data).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { useFailureText } from "../../_lib/error-text";
import { problemFailure } from "../../_lib/problem";
import { errorMessage, useTRPC } from "../../_lib/trpc";

type Download =
  | { id: string; state: "running"; received: number }
  | { id: string; state: "done"; received: number; filename: string }
  | { id: string; state: "failed" | "cancelled"; received: number; error: string };

/** crypto.randomUUID needs a secure context; getRandomValues does not. */
function newExportId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type ExportDownload = ReturnType<typeof useExportDownload>;

export function useExportDownload() {
  const trpc = useTRPC();
  const t = useTranslations("AdminExports");
  const failureText = useFailureText();
  const queryClient = useQueryClient();
  const [download, setDownload] = useState<Download | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const progress = useQuery({
    ...trpc.exports.get.queryOptions({ id: download?.id ?? "00000000-0000-4000-8000-000000000000" }),
    enabled: download !== null,
    retry: true,
    refetchInterval: download?.state === "running" ? 500 : false,
  });
  const record = progress.data?.id === download?.id ? progress.data : undefined;

  /** `options` as the server's export schema takes them; it validates them. */
  async function start(output: string, options: unknown) {
    const id = newExportId();
    const controller = new AbortController();
    abortRef.current = controller;
    setDownload({ id, state: "running", received: 0 });
    try {
      const response = await fetch("/api/exports/download", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id, output, options }),
        signal: controller.signal,
      });
      if (!response.ok || !response.body) {
        setDownload({ id, state: "failed", received: 0, error: failureText(await problemFailure(response)) });
        return;
      }
      const filename =
        /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "export";
      const reader = response.body.getReader();
      const chunks: Uint8Array<ArrayBuffer>[] = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value as Uint8Array<ArrayBuffer>);
        received += value.length;
        setDownload({ id, state: "running", received });
      }
      const url = URL.createObjectURL(
        new Blob(chunks, { type: response.headers.get("Content-Type") ?? "application/octet-stream" }),
      );
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setDownload({ id, state: "done", received, filename });
    } catch (error) {
      setDownload((current) => ({
        id,
        received: current?.received ?? 0,
        ...(controller.signal.aborted
          ? { state: "cancelled" as const, error: t("cancelled") }
          : { state: "failed" as const, error: t("brokeOff", { reason: errorMessage(error) }) }),
      }));
    } finally {
      abortRef.current = null;
      await queryClient.invalidateQueries(trpc.exports.list.queryFilter());
      await queryClient.invalidateQueries(trpc.exports.get.queryFilter());
    }
  }

  return { download, record, start, cancel: () => abortRef.current?.abort() };
}
