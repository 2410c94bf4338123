// The generation endpoints as plain fetch handlers (the route files pass the server's database
// and generation runtime; tests pass their own):
//   POST /api/generate           sends a prompt: stores the turn, then streams its responses
//   GET  /api/generate/:turnId   streams a turn's responses (after a reload, or to follow again)
// Streams are NDJSON, one event per line: (POST only: {"type":"turn",...}), a snapshot, then
// deltas and status changes, then {"type":"end"}. Generation runs in the server and does not
// stop when the browser leaves, so a reload simply watches again and gets the text so far.
// Access is checked as for the tRPC procedures: the annotator role, and only the author's turns.
import { z, ZodError } from "zod";
import type { Db } from "@/db/client";
import { getUserFromHeaders } from "@/server/auth/request-user";
import { decideAccess } from "@/server/auth/roles";
import type { SessionUser } from "@/server/auth/session-user";
import { isDomainError, HTTP_STATUS_BY_KIND } from "@/server/errors";
import type { EndpointIdentity } from "@/server/generation/endpoints";
import type { GenerationHub, TurnStreamEvent } from "@/server/generation/turn-generation";
import { log } from "@/server/log";
import { findOwnTurn } from "@/server/services/annotation/access";
import { startTurn } from "@/server/services/annotation/start-turn";
import type { ModelVariant } from "@/db/schema";
import { describeZodError } from "./trpc";

/** A prompt is at most 8,000 characters; anything far larger is not a prompt. */
const MAX_START_BODY_BYTES = 64 * 1024;

const PING_EVERY_MS = 15_000;

function problem(status: number, message: string) {
  return Response.json({ error: { message } }, { status, headers: { "Cache-Control": "no-store" } });
}

export interface TurnStreamDeps {
  db: Db;
  hub: Pick<GenerationHub, "watch" | "schedule">;
  /** Tests sign their session cookies with their own secret. */
  secret?: string;
}

async function annotatorOf(request: Request, deps: TurnStreamDeps): Promise<SessionUser | Response> {
  const user = await getUserFromHeaders(deps.db, request.headers, deps.secret);
  const access = decideAccess(user, "annotator");
  if (access === "unauthenticated" || !user) {
    return problem(401, "You are not signed in, or your session has ended. Sign in and try again.");
  }
  if (access === "forbidden") return problem(403, "Annotating needs the annotator role.");
  return user;
}

function ndjson(
  turnId: string,
  first: object | null,
  events: AsyncGenerator<TurnStreamEvent>,
  abort: AbortController,
) {
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
        if (first) send(first);
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

function abortWith(request: Request) {
  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(), { once: true });
  return abort;
}

/** GET /api/generate/:turnId */
export async function handleTurnStream(
  request: Request,
  turnId: string,
  deps: TurnStreamDeps,
): Promise<Response> {
  if (!z.uuid().safeParse(turnId).success) return problem(404, "There is no such turn.");
  const user = await annotatorOf(request, deps);
  if (user instanceof Response) return user;
  try {
    await findOwnTurn(deps.db, turnId, user);
  } catch (error) {
    if (isDomainError(error)) return problem(404, error.message);
    throw error;
  }
  const abort = abortWith(request);
  return ndjson(turnId, null, deps.hub.watch(deps.db, turnId, abort.signal), abort);
}

/** POST /api/generate with {campaignId, conversationId, message}. */
export async function handleStartTurn(
  request: Request,
  deps: TurnStreamDeps & { identify: (variant: ModelVariant) => EndpointIdentity },
): Promise<Response> {
  const user = await annotatorOf(request, deps);
  if (user instanceof Response) return user;
  // JSON only: a cross-site form cannot send it without a CORS preflight, which is refused.
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
    return problem(415, "Send the prompt as JSON (Content-Type: application/json).");
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_START_BODY_BYTES) {
    return problem(413, "The request is too large. A prompt can be at most 8,000 characters long.");
  }
  let input: unknown;
  try {
    const text = await request.text();
    if (text.length > MAX_START_BODY_BYTES) {
      return problem(413, "The request is too large. A prompt can be at most 8,000 characters long.");
    }
    input = JSON.parse(text);
  } catch {
    return problem(400, "The request could not be read. Send {campaignId, conversationId, message} as JSON.");
  }
  let started;
  try {
    started = await startTurn(deps.db, input as never, user, {
      identify: deps.identify,
      schedule: (turnId) => {
        deps.hub
          .schedule(deps.db, turnId)
          .catch((error: Error) => log.error(`Could not start generating turn ${turnId}: ${error.message}`));
      },
    });
  } catch (error) {
    if (error instanceof ZodError) return problem(400, describeZodError(error));
    if (isDomainError(error)) return problem(HTTP_STATUS_BY_KIND[error.kind], error.message);
    throw error;
  }
  const abort = abortWith(request);
  return ndjson(
    started.turnId,
    { type: "turn", turn: started },
    deps.hub.watch(deps.db, started.turnId, abort.signal),
    abort,
  );
}
