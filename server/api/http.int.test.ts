// The tRPC endpoint over HTTP: what a browser, or a broken client, gets back.
import { describe, expect, it } from "vitest";
import type { SessionUser } from "@/server/auth/session-user";
import { setUpAdminHttp } from "@/server/testing/test-db";
import { sessionHeaders } from "@/server/testing/session-cookie";

const world = setUpAdminHttp();

async function post(path: string, body: string, user: SessionUser | null = world.admin) {
  const headers = await sessionHeaders(user, { "content-type": "application/json" });
  const response = await world.handle(
    new Request(`http://localhost/api/trpc/${path}`, { method: "POST", headers, body }),
  );
  return { status: response.status, body: unwrap(await response.json()) };
}

type ErrorShape = { message: string; data: Record<string, unknown> };

/** superjson wraps payloads in { json }; the size guard answers before tRPC and does not. */
function unwrap(body: { error?: ErrorShape | { json: ErrorShape }; result?: unknown }) {
  const error = body.error && "json" in body.error ? body.error.json : body.error;
  return { error, result: body.result };
}

describe("tRPC over HTTP", () => {
  it("answers a malformed body with 400 and says what is wrong", async () => {
    const { status, body } = await post("users.invite", "{not json");
    expect(status).toBe(400);
    expect(body.error?.message).toMatch(/could not be read .*Send the input as JSON/);
  });

  it("answers an overlong field with 400 naming the limit", async () => {
    const input = { json: { email: "long@example.test", name: "x".repeat(101), role: "annotator" } };
    const { status, body } = await post("users.invite", JSON.stringify(input));
    expect(status).toBe(400);
    expect(body.error?.message).toBe("Name must be at most 100 characters long.");
    expect(body.error?.data.fieldErrors).toEqual({ name: ["Name must be at most 100 characters long."] });
  });

  it("names the field of a service's validation error, so a form can show it beside that field", async () => {
    const created = await post(
      "campaigns.create",
      JSON.stringify({ json: { name: `Field errors ${Date.now()}`, kind: "helpfulness" } }),
    );
    const campaignId = (created.body.result as { data: { json: { id: string } } }).data.json.id;
    const { status, body } = await post(
      "variants.create",
      JSON.stringify({ json: { campaignId, name: "a", endpointKind: "openai", model: "m" } }),
    );
    expect(status).toBe(400);
    expect(body.error?.data.fieldErrors).toEqual({
      baseUrl: ["An OpenAI-compatible variant needs the server's URL, e.g. http://127.0.0.1:8000/v1."],
    });
  });

  it("answers a missing input with 400 naming the field", async () => {
    const { status, body } = await post("users.invite", JSON.stringify({ json: { role: "annotator" } }));
    expect(status).toBe(400);
    expect(body.error?.message).toContain("Enter an email address.");
  });

  it("answers an unknown procedure with 404", async () => {
    const { status, body } = await post("users.explode", "{}");
    expect(status).toBe(404);
    expect(body.error?.message).toMatch(/No procedure found/);
  });

  it("refuses an anonymous caller with 401 and tells them to sign in", async () => {
    const { status, body } = await post("users.invite", JSON.stringify({ json: {} }), null);
    expect(status).toBe(401);
    expect(body.error?.message).toMatch(/Sign in and try again/);
  });

  it("refuses a body over 1 MB with 413", async () => {
    const headers = await sessionHeaders(world.admin, {
      "content-type": "application/json",
      "content-length": "2000000",
    });
    const response = await world.handle(
      new Request("http://localhost/api/trpc/users.invite", {
        method: "POST",
        headers,
        body: "x".repeat(2_000_000),
      }),
    );
    expect(response.status).toBe(413);
  });

  it("maps a domain error to its code with the service's message", async () => {
    const input = JSON.stringify({ json: { email: world.admin.email, role: "annotator" } });
    const { status, body } = await post("users.invite", input);
    expect(status).toBe(409);
    expect(body.error?.message).toMatch(/already exists/);
  });

  it("marks a short answer no-transform, so Next.js does not gzip it, and leaves a long one to compression", async () => {
    const headers = await sessionHeaders(world.admin, { "content-type": "application/json" });
    const call = { json: { email: world.admin.email, role: "annotator" } };
    const send = (paths: string[]) =>
      world.handle(
        new Request(`http://localhost/api/trpc/${paths.join(",")}?batch=1`, {
          method: "POST",
          headers,
          body: JSON.stringify(Object.fromEntries(paths.map((_, index) => [index, call]))),
        }),
      );
    const short = await send(["users.invite"]);
    expect(short.headers.get("cache-control")).toContain("no-transform");
    expect(((await short.json()) as unknown[]).length).toBe(1);
    const long = await send(Array.from({ length: 8 }, () => "users.invite"));
    const text = await long.text();
    expect(text.length).toBeGreaterThan(1024);
    expect(long.headers.get("cache-control") ?? "").not.toContain("no-transform");
    expect((JSON.parse(text) as unknown[]).length).toBe(8);
  });

  it("serves a valid call", async () => {
    const input = JSON.stringify({ json: { email: "valid@example.test", role: "reviewer" } });
    const { status, body } = await post("users.invite", input);
    expect(status).toBe(200);
    expect(JSON.stringify(body.result)).toContain("valid@example.test");
  });
});
