// The tRPC HTTP endpoint as a plain fetch handler, so tests can call it exactly as the route does.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { log } from "@/server/log";
import { appRouter } from "./root";
import type { Context } from "./trpc";

export const TRPC_ENDPOINT = "/api/trpc";
export const MAX_BODY_BYTES = 1_000_000;

export function createTrpcHttpHandler(createContext: (request: Request) => Promise<Context>) {
  return async function handleTrpcRequest(request: Request): Promise<Response> {
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > MAX_BODY_BYTES) {
      return Response.json(
        {
          error: {
            message: "The request is larger than 1 MB. Send less data in one request.",
            data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
          },
        },
        { status: 413 },
      );
    }
    return fetchRequestHandler({
      endpoint: TRPC_ENDPOINT,
      req: request,
      router: appRouter,
      createContext: () => createContext(request),
      onError({ error, path }) {
        if (error.code === "INTERNAL_SERVER_ERROR") {
          log.error(`tRPC ${path ?? "(unknown procedure)"} failed`, error.cause ?? error);
        }
      },
    });
  };
}
