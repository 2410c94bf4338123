"use client";
// Sending a prompt and following a turn's generation. POST /api/generate stores the turn and
// streams its responses (NDJSON) from the first token; GET /api/generate/:turnId follows a turn
// again after a reload or a dropped connection (a fresh snapshot, so nothing is lost or doubled;
// the server keeps generating meanwhile).
import { useEffect, useEffectEvent, useState } from "react";
import type { Failure } from "../../_lib/error-text";
import { problemFailure } from "../../_lib/problem";

export interface StreamedResponse {
  id: string;
  position: number;
  status: "pending" | "streaming" | "completed" | "failed";
  text: string;
  error: string | null;
  finishReason: string | null;
}

export interface StartedTurn {
  conversationId: string;
  turnId: string;
  index: number;
  responses: { id: string; position: number }[];
}

type StreamEvent =
  | { type: "turn"; turn: StartedTurn }
  | { type: "snapshot"; responses: StreamedResponse[] }
  | { type: "delta"; responseId: string; offset: number; text: string }
  | { type: "response"; response: StreamedResponse }
  | { type: "progress"; responseId: string; message: string | null }
  | { type: "end" }
  | { type: "ping" }
  | { type: "error"; message: string };

interface OpenStream {
  reader: ReadableStreamDefaultReader<string>;
  buffered: string;
}

/** Streams opened by sendPrompt, waiting for the turn's view to take them over. */
const handedOver = new Map<string, OpenStream>();

/** Sends a prompt. Resolves once the server has stored the turn; its responses then stream. */
export async function sendPrompt(input: {
  campaignId: string;
  conversationId: string | null;
  message: string;
  /** A new dialogue from the campaign's prompt set: the claimed slot whose prompt `message` is. */
  promptSlotId?: string;
}): Promise<{ ok: true; turn: StartedTurn } | { ok: false; failure: Failure }> {
  let response: Response;
  try {
    response = await fetch("/api/generate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(input),
      cache: "no-store",
    });
  } catch {
    return {
      ok: false,
      failure: {
        message: "Could not reach the server. Check your connection and send again.",
        named: { key: "offline" },
      },
    };
  }
  if (!response.ok || !response.body) return { ok: false, failure: await problemFailure(response) };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
    }
  } catch {
    // handled below: no first line
  }
  const newline = buffered.indexOf("\n");
  const first = newline >= 0 ? (JSON.parse(buffered.slice(0, newline)) as StreamEvent) : null;
  if (!first || first.type !== "turn") {
    void reader.cancel().catch(() => {});
    return {
      ok: false,
      failure: {
        message:
          "The connection broke before the prompt was stored. Reload the page to check, then send again.",
        named: { key: "connectionBroke" },
      },
    };
  }
  handedOver.set(first.turn.turnId, { reader, buffered: buffered.slice(newline + 1) });
  return { ok: true, turn: first.turn };
}

export interface TurnStream {
  responses: StreamedResponse[];
  /** Per response: what generation is waiting for (e.g. the model server starting). */
  progress: Record<string, string>;
  connectionError: Failure | null;
}

const isDone = (response: StreamedResponse) =>
  response.status === "completed" || response.status === "failed";

/**
 * `attempt` restarts following (after a retry); `onEnd` runs when every response has finished.
 * `initial` is what the page already knows (from the workspace query).
 */
export function useTurnStream(
  turnId: string,
  initial: StreamedResponse[],
  attempt: number,
  onEnd: () => void,
): TurnStream {
  const [responses, setResponses] = useState<StreamedResponse[]>(initial);
  const [progress, setProgress] = useState<Record<string, string>>({});
  const [connectionError, setConnectionError] = useState<Failure | null>(null);
  const notifyEnd = useEffectEvent(() => onEnd());
  const knownResponses = useEffectEvent(() => initial);

  useEffect(() => {
    const known = knownResponses();
    const handover = handedOver.get(turnId) ?? null;
    handedOver.delete(turnId);
    if (!handover && attempt === 0 && known.length > 0 && known.every(isDone)) return; // nothing to follow
    const abort = new AbortController();
    let current = new Map(known.map((response) => [response.id, { ...response }]));
    let reader: ReadableStreamDefaultReader<string> | null = null;
    const publish = () => setResponses([...current.values()].sort((a, b) => a.position - b.position));

    /** Applies one event; true when the turn is finished. */
    function apply(event: StreamEvent): boolean {
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
        setConnectionError({ message: event.message });
      } else if (event.type === "end") {
        setProgress({});
        notifyEnd();
        return true;
      }
      return false;
    }

    async function open(): Promise<OpenStream | null> {
      const response = await fetch(`/api/generate/${turnId}`, { signal: abort.signal, cache: "no-store" });
      if (!response.ok || !response.body) {
        setConnectionError(await problemFailure(response));
        if (response.status >= 400 && response.status < 500) return null;
        throw new Error(String(response.status));
      }
      return { reader: response.body.pipeThrough(new TextDecoderStream()).getReader(), buffered: "" };
    }

    async function follow() {
      let next: OpenStream | null = handover;
      for (let failures = 0; !abort.signal.aborted;) {
        try {
          const stream = next ?? (await open());
          next = null;
          if (!stream) return;
          reader = stream.reader;
          let buffered = stream.buffered;
          for (;;) {
            const lines = buffered.split("\n");
            buffered = lines.pop() ?? "";
            for (const line of lines) {
              if (!line.trim()) continue;
              failures = 0;
              setConnectionError(null);
              if (apply(JSON.parse(line) as StreamEvent)) return;
            }
            const { value, done } = await stream.reader.read();
            if (done) break;
            buffered += value;
          }
        } catch {
          if (abort.signal.aborted) return;
          failures++;
          if (failures > 2) {
            setConnectionError({
              message: "Lost the connection to the server; trying again…",
              named: { key: "reconnecting" },
            });
          }
        }
        // The stream closed early (network, server restart): reconnect after a short pause.
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** failures)));
      }
    }

    void follow();
    return () => {
      abort.abort();
      void reader?.cancel().catch(() => {});
    };
  }, [turnId, attempt]);

  return { responses, progress, connectionError };
}
