// How many calls one tRPC HTTP request may batch. The server refuses more (http-handler.ts), and
// the browser's client (app/_lib/trpc.tsx) never sends more, so only hand-made requests meet it.
export const MAX_BATCH_CALLS = 10;
