// GET /api/generate/:turnId as a plain fetch handler (the route file passes the server's
// database and generation hub; tests pass their own). It streams a turn's responses as NDJSON,
// one event per line: a snapshot, then deltas and status changes, then {"type":"end"}.
// Generation runs in the server and does not stop when the browser leaves, so a reload simply
// watches again and gets the text so far. Only the conversation's author may watch.
import { z } from "zod";
import type { Db } from "@/db/client";
import { getUserFromHeaders } from "@/server/auth/request-user";
import { decideAccess } from "@/server/auth/roles";
import { isDomainError } from "@/server/errors";
import type { GenerationHub } from "@/server/generation/turn-generation";
import { log } from "@/server/log";
import { findOwnTurn } from "@/server/services/annotation/access";

const PING_EVERY_MS = 15_000;

function problem(status: number, message: string) {
  return Response.json({ error: { message } }, { status, headers: { "Cache-Control": "no-store" } });
}

export interface TurnStreamDeps {
  db: Db;
  hub: Pick<GenerationHub, "watch">;
  /** Tests sign their session cookies with their own secret. */
  secret?: string;
}

export async function handleTurnStream(request: Request, turnId: string, deps: TurnStreamDeps): Promise<Response> {
  if (!z.uuid().safeParse(turnId).success) return problem(404, "There is no such turn.");
  const user = await getUserFromHeaders(deps.db, request.headers, deps.secret);
  const access = decideAccess(user, "annotator");
  if (access === "unauthenticated" || !user) {
    return problem(401, "You are not signed in, or your session has ended. Sign in and try again.");
  }
  if (access === "forbidden") return problem(403, "Annotating needs the annotator role.");
  try {
    await findOwnTurn(deps.db, turnId, user);
  } catch (error) {
    if (isDomainError(error)) return problem(404, error.message);
    throw error;
  }

  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(), { once: true });
  const events = deps.hub.watch(deps.db, turnId, abort.signal);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: unknown) => {
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        } catch {
          abort.abort(); // the browser went away
        }
      };
      const ping = setInterval(() => send({ type: "ping" }), PING_EVERY_MS);
      try {
        for await (const event of events) send(event);
      } catch (error) {
        log.error(`Streaming turn ${turnId} failed`, error);
        send({ type: "error", message: "The server lost track of this turn. Reload the page." });
      } finally {
        clearInterval(ping);
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
