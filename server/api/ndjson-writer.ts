// Writes a turn stream's events as NDJSON lines, gathering token deltas for a few milliseconds
// into one write: a fast model brings a delta per token and response, and each write is a system
// call and a packet for the server, the load balancer and the browser. A response's first delta
// and every other event go at once (with the lines gathered before them, in order), so neither
// the first token nor a status change waits. The browser reads any number of lines per chunk.
import type { TurnStreamEvent } from "@/server/generation/turn-generation";

/** How long a delta may wait for others: about a frame at 60 Hz. */
export const GATHER_DELTAS_MS = 16;

/** The stream's lines: the turn's events, and the route's own (the stored turn, pings, errors). */
export type StreamLine =
  TurnStreamEvent | { type: "turn"; turn: unknown } | { type: "ping" } | { type: "error"; message: string };

export class NdjsonWriter {
  private gathered = "";
  private timer: NodeJS.Timeout | null = null;
  /** Responses whose first delta went out. */
  private readonly started = new Set<string>();

  constructor(
    private readonly write: (chunk: string) => void,
    private readonly gatherMs = GATHER_DELTAS_MS,
  ) {}

  send(line: StreamLine) {
    this.gathered += `${JSON.stringify(line)}\n`;
    if (line.type === "delta" && this.started.has(line.responseId)) {
      this.timer ??= setTimeout(() => this.flush(), this.gatherMs);
      return;
    }
    if (line.type === "delta") this.started.add(line.responseId);
    this.flush();
  }

  /** Writes what was gathered; the stream's end calls it before closing. */
  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.gathered === "") return;
    const chunk = this.gathered;
    this.gathered = "";
    this.write(chunk);
  }
}
