// An HTTP server on 127.0.0.1 that records every request it gets and answers as the test says:
// the attacker's server that wants a secret, or a model server whose error bodies must not leak.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Answer = (request: CapturedRequest, response: http.ServerResponse) => void;

export interface CaptureServer {
  port: number;
  /** http://127.0.0.1:<port>/v1 */
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/** Answers every request with `status` and a JSON body. */
export const answerJson =
  (status: number, body: unknown): Answer =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };

export async function startCaptureServer(answer: Answer = answerJson(404, {})): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
