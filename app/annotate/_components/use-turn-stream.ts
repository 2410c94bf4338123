"use client";
// Follows a turn's generation through GET /api/generate/:turnId (NDJSON): a snapshot, then
// deltas and status changes until "end". A dropped connection reconnects and gets a fresh
// snapshot, so nothing is lost or doubled; the server keeps generating meanwhile.
import { useEffect, useEffectEvent, useState } from "react";

export interface StreamedResponse {
  id: string;
  position: number;
  status: "pending" | "streaming" | "completed" | "failed";
  text: string;
  error: string | null;
  finishReason: string | null;
}

type StreamEvent =
  | { type: "snapshot"; responses: StreamedResponse[] }
  | { type: "delta"; responseId: string; offset: number; text: string }
  | { type: "response"; response: StreamedResponse }
  | { type: "progress"; responseId: string; message: string | null }
  | { type: "end" }
  | { type: "ping" }
  | { type: "error"; message: string };

export interface TurnStream {
  responses: StreamedResponse[];
  /** Per response: what generation is waiting for (e.g. the model server starting). */
  progress: Record<string, string>;
  connectionError: string | null;
}

const isDone = (response: StreamedResponse) => response.status === "completed" || response.status === "failed";

/**
 * `attempt` restarts following (after a retry); `onEnd` runs when every response has finished.
 * `initial` is what the page already knows (from the workspace query).
 */
export function useTurnStream(
  turnId: string | null,
  initial: StreamedResponse[],
  attempt: number,
  onEnd: () => void,
): TurnStream {
  const [responses, setResponses] = useState<StreamedResponse[]>(initial);
  const [progress, setProgress] = useState<Record<string, string>>({});
  const [connectionError, setConnectionError] = useState<string | null>(null);
  const notifyEnd = useEffectEvent(() => onEnd());
  const knownResponses = useEffectEvent(() => initial);

  useEffect(() => {
    if (!turnId) return;
    const known = knownResponses();
    if (attempt === 0 && known.length > 0 && known.every(isDone)) return; // nothing to follow
    const abort = new AbortController();
    let current = new Map(known.map((response) => [response.id, { ...response }]));
    const publish = () => setResponses([...current.values()].sort((a, b) => a.position - b.position));

    async function follow() {
      for (let failures = 0; !abort.signal.aborted; ) {
        try {
          const response = await fetch(`/api/generate/${turnId}`, { signal: abort.signal, cache: "no-store" });
          if (!response.ok || !response.body) {
            const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
            setConnectionError(body?.error?.message ?? `The server answered ${response.status}. Reload the page.`);
            if (response.status >= 400 && response.status < 500) return;
            throw new Error(String(response.status));
          }
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffered = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffered += value;
            const lines = buffered.split("\n");
            buffered = lines.pop() ?? "";
            for (const line of lines) {
              if (!line.trim()) continue;
              const event = JSON.parse(line) as StreamEvent;
              failures = 0;
              setConnectionError(null);
              if (event.type === "snapshot") {
                current = new Map(event.responses.map((item) => [item.id, { ...item }]));
                publish();
              } else if (event.type === "delta") {
                const item = current.get(event.responseId);
                // Out of step (should not happen): the next snapshot puts it right.
                if (item && item.text.length === event.offset) {
                  item.text += event.text;
                  item.status = "streaming";
                  publish();
                }
              } else if (event.type === "response") {
                current.set(event.response.id, { ...event.response });
                publish();
              } else if (event.type === "progress") {
                setProgress((previous) => {
                  const next = { ...previous };
                  if (event.message) next[event.responseId] = event.message;
                  else delete next[event.responseId];
                  return next;
                });
              } else if (event.type === "error") {
                setConnectionError(event.message);
              } else if (event.type === "end") {
                setProgress({});
                notifyEnd();
                return;
              }
            }
          }
        } catch {
          if (abort.signal.aborted) return;
          failures++;
          if (failures > 2) setConnectionError("Lost the connection to the server; trying again…");
        }
        // The stream closed early (network, server restart): reconnect after a short pause.
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** failures)));
      }
    }

    void follow();
    return () => abort.abort();
  }, [turnId, attempt]);

  return { responses, progress, connectionError };
}
