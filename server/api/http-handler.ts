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
    return fetchRequestHandler({
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
  };
}
