// The policy's fetch against real servers on 127.0.0.1: refused addresses are never connected
// to, allowed ones behave as fetch does (bodies both ways, streaming, aborts, network errors),
// and redirects are not followed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/server/free-port";
import { answerJson, startCaptureServer, type CaptureServer } from "@/server/testing/capture-server";
import { createOutboundFetch } from "./outbound-fetch";
import { OutboundPolicy, OutboundRefusedError } from "./outbound-policy";

let server: CaptureServer;
const strictFetch = createOutboundFetch(new OutboundPolicy());
const allowedFetch = createOutboundFetch(new OutboundPolicy(["127.0.0.1"]));

beforeAll(async () => {
  server = await startCaptureServer(answerJson(200, { ok: true }));
});

afterAll(async () => {
  await server?.close();
});

describe("createOutboundFetch", () => {
  it("refuses loopback, link-local and names that resolve to them, before connecting", async () => {
    for (const host of [
      "127.0.0.1",
      "[::1]",
      "localhost",
      "169.254.169.254",
      "[::ffff:127.0.0.1]",
      "0.0.0.0",
    ]) {
      const refused = strictFetch(`http://${host}:${server.port}/v1/models`);
      await expect(refused).rejects.toBeInstanceOf(OutboundRefusedError);
      await expect(refused).rejects.toThrow(/ARBITER_OUTBOUND_ALLOW=/);
    }
    expect(server.requests).toEqual([]);
  });

  it("reaches an allowed address as fetch does: method, headers and body both ways", async () => {
    const response = await allowedFetch(`${server.url}/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "m" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true });
    expect(server.requests.at(-1)).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: "Bearer k" },
      body: '{"model":"m"}',
    });
  });

  it("streams the body as it arrives, and an abort ends it", async () => {
    const streaming = await startCaptureServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n"); // and never ends
    });
    try {
      const abort = new AbortController();
      const response = await allowedFetch(`${streaming.url}/chat/completions`, { signal: abort.signal });
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
      abort.abort();
      await expect(reader.read()).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      await streaming.close();
    }
  });

  it("does not follow a redirect to another address", async () => {
    const target = await startCaptureServer();
    const bouncer = await startCaptureServer((_request, response) => {
      response.writeHead(302, { location: `${target.url}/models` });
      response.end();
    });
    try {
      const response = await allowedFetch(`${bouncer.url}/models`);
      expect(response.status).toBe(302);
      expect(target.requests).toEqual([]);
    } finally {
      await Promise.all([target.close(), bouncer.close()]);
    }
  });

  it("fails like fetch when nothing listens: a TypeError whose cause has the network code", async () => {
    const port = await freePort();
    const failed = await allowedFetch(`http://127.0.0.1:${port}/v1/models`).catch((error: Error) => error);
    expect(failed).toBeInstanceOf(TypeError);
    expect((failed as Error).cause).toMatchObject({ code: "ECONNREFUSED" });
  });
});
