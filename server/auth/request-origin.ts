// Where a request came from: the client's address, and whether it reached us over https.
// Forwarded headers are believed only as far as the operator's proxies go
// (ARBITER_TRUSTED_PROXY_HOPS); every entry beyond them was written by the client.
import "server-only";
import crypto from "node:crypto";
import http from "node:http";
import { env } from "@/server/env";

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

// Next.js gives route handlers no socket, and fills X-Forwarded-For from the socket only when the
// client sent none, so no header proves the peer's address. recordPeerAddresses() makes the
// server process stamp every request with its TCP peer under a header named at random per process
// (a client cannot send a header it cannot name, even before the stamp is installed) and kept on
// globalThis, which the instrumentation bundle and the route bundles share.
const PEER_HEADER = Symbol.for("arbiter.peerAddressHeader");
type PeerGlobal = typeof globalThis & { [PEER_HEADER]?: string };

/** Called once per server process before it serves (instrumentation.ts); tests call it too. */
export function recordPeerAddresses() {
  const global = globalThis as PeerGlobal;
  if (global[PEER_HEADER]) return;
  const name = `x-arbiter-peer-${crypto.randomBytes(16).toString("hex")}`;
  global[PEER_HEADER] = name;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as http.IncomingMessage;
      request.headers[name] = request.socket.remoteAddress ?? "";
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}

function read(headers: HeaderSource, name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? undefined;
}

/** The entry the outermost trusted proxy wrote: each proxy appends what it saw, so with N
 * proxies that is the Nth from the right. Fewer entries than proxies: all were written by
 * proxies (the request skipped an outer one), and the leftmost is the nearest to the client. */
function trustedEntry(headers: HeaderSource, name: string, hops: number) {
  const entries = (read(headers, name) ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.length === 0 ? undefined : entries[Math.max(0, entries.length - hops)];
}

function peerAddress(headers: HeaderSource) {
  const name = (globalThis as PeerGlobal)[PEER_HEADER];
  const peer = name ? read(headers, name) : undefined;
  return peer ? peer.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "") : undefined;
}

/** The client's address; null when it cannot be known (no proxy hop and no recorded peer). */
export function clientAddress(headers: HeaderSource, hops = env.ARBITER_TRUSTED_PROXY_HOPS): string | null {
  const forwarded = hops > 0 ? trustedEntry(headers, "x-forwarded-for", hops) : undefined;
  return (forwarded ?? peerAddress(headers))?.slice(0, 100) ?? null;
}

/** Whether the browser reached the site over https, which decides the Secure cookie flag (and
 * next-auth's `__Secure-` cookie names). NEXTAUTH_URL, when set, says so for every request;
 * otherwise the outermost trusted proxy's X-Forwarded-Proto does. `next start` itself serves
 * plain HTTP, so with no trusted proxy the answer is no. */
export function isHttpsRequest(
  headers: HeaderSource,
  hops = env.ARBITER_TRUSTED_PROXY_HOPS,
  publicUrl = env.NEXTAUTH_URL,
): boolean {
  if (publicUrl) return publicUrl.startsWith("https://");
  return hops > 0 && trustedEntry(headers, "x-forwarded-proto", hops)?.toLowerCase() === "https";
}
