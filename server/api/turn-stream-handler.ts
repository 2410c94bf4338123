// The generation endpoints as routes (the route files serve them with the server's database and
// generation runtime; tests with their own):
//   POST /api/generate           sends a prompt: stores the turn, then streams its responses
//   GET  /api/generate/:turnId   streams a turn's responses (after a reload, or to follow again)
// Streams are NDJSON, one event per line: (POST only: {"type":"turn",...}), a snapshot, then
// deltas and status changes, then {"type":"end"}; deltas are gathered for a few milliseconds per
// write (ndjson-writer.ts). Generation runs in the server and does not stop when the browser
// leaves, so a reload simply watches again and gets the text so far.
// Both are annotator routes (server/api/route-handler.ts), and reach only the author's turns.
import { z } from "zod";
import type { ModelVariant } from "@/db/schema";
import { ValidationError } from "@/server/errors";
import type { EndpointIdentity } from "@/server/generation/endpoints";
import type { GenerationHub, TurnStreamEvent } from "@/server/generation/turn-generation";
import { log } from "@/server/log";
import { findOwnTurn } from "@/server/services/annotation/access";
import { startTurn } from "@/server/services/annotation/start-turn";
import { KB } from "./body-limit";
import { NdjsonWriter, type StreamLine } from "./ndjson-writer";
import { defineRoute, problem, type RouteDeps } from "./route-handler";

const PING_EVERY_MS = 15_000;

export interface GenerationDeps extends RouteDeps {
  /** Called per request: the server creates its generation machinery on first use, not at import. */
  generation: () => {
    hub: Pick<GenerationHub, "watch" | "schedule" | "isDraining">;
    identify: (variant: ModelVariant) => EndpointIdentity;
  };
}

function ndjson(
  turnId: string,
  first: StreamLine | null,
  events: AsyncGenerator<TurnStreamEvent>,
  abort: AbortController,
) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const writer = new NdjsonWriter((chunk) => {
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          abort.abort(); // the browser went away
        }
      });
      const ping = setInterval(() => writer.send({ type: "ping" }), PING_EVERY_MS);
      try {
        if (first) writer.send(first);
        for await (const event of events) writer.send(event);
      } catch (error) {
        log.error(`Streaming turn ${turnId} failed`, error);
        writer.send({ type: "error", message: "The server lost track of this turn. Reload the page." });
      } finally {
        clearInterval(ping);
        writer.flush();
        try {
          controller.close();
        } catch {
          // already closed by the browser leaving
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      // no-transform: compression would hold tokens back until a buffer fills.
      "Cache-Control": "no-store, no-transform",
      "X-Accel-Buffering": "no",
    },
  });
}

/** A stopping instance starts no stream; nothing was stored, so the load balancer may resend it. */
const SHUTTING_DOWN = () => problem(503, "unavailable", "This server is restarting. Try again in a moment.");

function abortWith(request: Request) {
  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(), { once: true });
  return abort;
}

/** GET /api/generate/:turnId */
export const turnStreamRoute = defineRoute<GenerationDeps, "annotator", { turnId: string }>({
  role: "annotator",
  async handle({ request, user, params, deps }) {
    if (!z.uuid().safeParse(params.turnId).success) {
      throw new ValidationError("That is not a turn id: open the turn from its campaign's workspace.");
    }
    const { hub } = deps.generation();
    if (hub.isDraining) return SHUTTING_DOWN();
    const db = await deps.db();
    await findOwnTurn(db, params.turnId, user);
    const abort = abortWith(request);
    return ndjson(params.turnId, null, hub.watch(db, params.turnId, abort.signal), abort);
  },
});

/** POST /api/generate with {campaignId, conversationId, message}. */
export const startTurnRoute = defineRoute<GenerationDeps, "annotator">({
  role: "annotator",
  // A prompt is at most 8,000 characters; anything far larger is not a prompt.
  body: { limit: 256 * KB, shape: "{ campaignId, conversationId, message }" },
  async handle({ request, user, body, deps }) {
    const { hub, identify } = deps.generation();
    if (hub.isDraining) return SHUTTING_DOWN();
    const db = await deps.db();
    const started = await startTurn(db, body as never, user, {
      identify,
      schedule: (turnId) => {
        hub
          .schedule(db, turnId)
          .catch((error: Error) => log.error(`Could not start generating turn ${turnId}: ${error.message}`));
      },
    });
    const abort = abortWith(request);
    return ndjson(
      started.turnId,
      { type: "turn", turn: started },
      hub.watch(db, started.turnId, abort.signal),
      abort,
    );
  },
});
