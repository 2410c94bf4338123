"use client";
// The browser's tRPC client and React Query cache.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import superjson from "superjson";
import { MAX_BATCH_CALLS } from "@/lib/constants";
import type { AppRouter } from "@/server/api/root";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

const NO_RETRY_CODES = new Set(["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "CONFLICT"]);

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failureCount, error) =>
          !(error instanceof TRPCClientError && NO_RETRY_CODES.has(error.data?.code)) && failureCount < 2,
      },
    },
  });
}

/**
 * For mutations that carry an idempotency key kept across attempts (submitting a judgement): a
 * dropped connection or a server error (a database or instance restarting) is retried with the
 * same key, which stores the judgement once; a refusal (invalid, conflict, too many) is not.
 */
export const idempotentRetry = {
  retry: (failureCount: number, error: unknown) =>
    failureCount < 4 &&
    !(error instanceof TRPCClientError && error.data?.code && error.data.code !== "INTERNAL_SERVER_ERROR"),
  retryDelay: (attempt: number) => Math.min(8000, 1000 * 2 ** attempt),
};

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: "/api/trpc", transformer: superjson, maxItems: MAX_BATCH_CALLS })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** The message to show for a failed call: the server's sentence, or what to do when offline. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Check your connection and try again.";
}
