// The tRPC HTTP endpoint as a plain fetch handler, so tests can call it exactly as the route does.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { log } from "@/server/log";
import { MAX_BATCH_CALLS } from "@/lib/constants";
import { MB, PayloadTooLargeError, withBufferedBody } from "./body-limit";
import { appRouter } from "./root";
import type { Context } from "./trpc";

export const TRPC_ENDPOINT = "/api/trpc";
export const MAX_BODY_BYTES = MB;

export function createTrpcHttpHandler(createContext: (request: Request) => Promise<Context>) {
  return async function handleTrpcRequest(received: Request): Promise<Response> {
    let request: Request;
    try {
      // Read here, within the limit, so tRPC gets a body already in memory whatever its framing.
      request = await withBufferedBody(received, MAX_BODY_BYTES, (init) => new Request(received.url, init));
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
      return Response.json(
        { error: { message: error.message, data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } },
        { status: 413 },
      );
    }
    const response = await fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: request,
      router: appRouter,
      // Unbounded batches would let one request carry hundreds of calls past any per-request limit.
      maxBatchSize: MAX_BATCH_CALLS,
      createContext: () => createContext(request),
      onError({ error, path }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          log.error(`tRPC ${path ?? "(unknown procedure)"} failed`, error.cause ?? error);
        }
      },
    });
    return withoutCompressionWhenShort(request, response);
  };
}

/** Next.js's compression leaves answers shorter than this as they are when it knows their length. */
const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * tRPC answers JSON of unknown length, and Next.js's compression gzips every such answer (it
 * drops a route's Content-Length), however short: a submit's few hundred bytes cost a gzip
 * stream each. A short answer is marked no-transform, which the compression respects; longer
 * ones are compressed as before. A streamed answer (a client that asked for JSON lines, which
 * the app's links do not) is left as it is.
 */
async function withoutCompressionWhenShort(request: Request, response: Response): Promise<Response> {
  const asksForStream = [request.headers.get("trpc-accept"), request.headers.get("accept")].some(
    (value) => value?.includes("application/jsonl") ?? false,
  );
  const isJson = response.headers.get("content-type")?.startsWith("application/json") ?? false;
  if (asksForStream || !isJson || !response.body) return response;
  const body = await response.arrayBuffer();
  if (body.byteLength >= COMPRESSION_THRESHOLD_BYTES) return new Response(body, response);
  const headers = new Headers(response.headers);
  const cacheControl = headers.get("cache-control");
  headers.set("cache-control", cacheControl ? `${cacheControl}, no-transform` : "no-transform");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
