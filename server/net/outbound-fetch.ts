// A fetch for requests an admin can aim, on node:http/https so that the outbound policy runs
// in the connection's own DNS lookup (Node's built-in fetch takes no lookup, and its undici
// Agent is not exported). IP literals are checked before connecting, since Node skips the lookup
// for them. Redirects are not followed: a 3xx comes back as it is, so a public server cannot
// bounce a request to a private address.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { Readable } from "node:stream";
import { bareHost, OutboundRefusedError, type OutboundPolicy } from "./outbound-policy";

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

export function createOutboundFetch(policy: OutboundPolicy): Fetch {
  return async function outboundFetch(input, init) {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new TypeError(`fetch failed: only http and https URLs are fetched, not ${url.protocol}`);
    }
    const host = bareHost(url.hostname);
    if (net.isIP(host) !== 0 && !policy.allows(host, host)) throw policy.refusal(host);
    const { signal } = request;
    if (signal.aborted) throw abortReason(signal);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
    const headers: Record<string, string> = { "accept-encoding": "identity" };
    request.headers.forEach((value, name) => (headers[name] = value));
    if (body) headers["content-length"] = String(body.length);

    return new Promise<Response>((resolve, reject) => {
      const client = url.protocol === "https:" ? https : http;
      const outgoing = client.request(url, {
        method: request.method,
        headers,
        lookup: policy.lookup,
        // A fresh connection per request: a pooled socket would outlive the lookup that checked it.
        agent: false,
      });
      let incoming: http.IncomingMessage | null = null;
      const onAbort = () => {
        incoming?.destroy(abortReason(signal) as Error);
        outgoing.destroy(abortReason(signal) as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      outgoing.once("close", () => signal.removeEventListener("abort", onAbort));
      outgoing.on("error", (error) => {
        if (signal.aborted) reject(abortReason(signal));
        else if (error instanceof OutboundRefusedError) reject(error);
        // As Node's fetch does: a TypeError whose cause is the network error.
        else reject(new TypeError("fetch failed", { cause: error }));
      });
      outgoing.once("response", (answer) => {
        incoming = answer;
        const responseHeaders = new Headers();
        for (let i = 0; i < answer.rawHeaders.length; i += 2) {
          responseHeaders.append(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
        }
        const status = answer.statusCode ?? 500;
        const hasBody = request.method !== "HEAD" && !NULL_BODY_STATUSES.has(status);
        if (!hasBody) answer.on("error", () => {}).resume();
        try {
          resolve(
            new Response(hasBody ? (Readable.toWeb(answer) as ReadableStream<Uint8Array>) : null, {
              status,
              statusText: answer.statusMessage,
              headers: responseHeaders,
            }),
          );
        } catch (error) {
          answer.destroy();
          reject(new TypeError("fetch failed", { cause: error }));
        }
      });
      outgoing.end(body ?? undefined);
    });
  };
}
