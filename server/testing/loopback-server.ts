// A real HTTP server on 127.0.0.1 in front of a fetch-style handler, as `next start` is in front
// of a route: requests arrive over TCP and carry their peer address the way production stamps it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { recordPeerAddresses } from "@/server/auth/request-origin";

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

export async function serveOnLoopback(
  handle: (request: Request, rawHeaders: http.IncomingHttpHeaders) => Promise<Response>,
): Promise<LoopbackServer> {
  recordPeerAddresses();
  const server = http.createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      for (const item of [value ?? []].flat()) headers.append(name, item);
    }
    const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
    const response = await handle(
      new Request(`http://127.0.0.1${incoming.url}`, {
        method: incoming.method,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      }),
      incoming.headers,
    );
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
