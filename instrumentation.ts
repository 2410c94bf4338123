// Next.js calls register() once per server process, before it serves requests: the place for
// migrations, first-start seeding and the embedded database's lock.
export async function register() {
  // NEXT_RUNTIME and NEXT_PHASE are set by Next.js itself (and NEXT_RUNTIME is inlined at build).
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("./server/env");
  if (env.NEXT_PHASE === "phase-production-build") return;
  // First, so every request is stamped with its TCP peer (the client address when no proxy is trusted).
  const { recordPeerAddresses } = await import("./server/auth/request-origin");
  recordPeerAddresses();
  const { startServerOrExit } = await import("./server/startup");
  await startServerOrExit();
}
