// Access at the production server: signing out ends the session on the server, not only in this
// browser (a copy of the cookie taken before is refused afterwards), and the export download
// refuses anonymous callers, annotators, reviewers and bad input.
import { randomUUID } from "node:crypto";
import { expect, signOut, test } from "./fixtures";

test("a session cookie replayed after signing out is refused", async ({ users, playwright, baseURL }) => {
  const annotator = await users.create({ role: "annotator" });
  const cookies = await annotator.page.context().cookies();
  const session = cookies.find((cookie) => cookie.name.endsWith("next-auth.session-token"));
  expect(session).toBeDefined();

  // Another client holding a copy of the cookie.
  const copy = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { cookie: `${session!.name}=${session!.value}` },
  });
  const stream = () => copy.get(`/api/generate/${randomUUID()}`);
  expect((await stream()).status()).toBe(404); // signed in: that turn is simply not theirs

  await signOut(annotator.page);

  const replayed = await stream();
  expect(replayed.status()).toBe(401);
  expect(await replayed.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  await copy.dispose();
});

test("the export download refuses anonymous callers, annotators and reviewers, and bad input", async ({
  users,
  admin,
  playwright,
  baseURL,
}) => {
  const post = (request: { post: typeof admin.request.post }, data: unknown) =>
    request.post("/api/exports/download", { data });
  const anonymous = await playwright.request.newContext({ baseURL });
  expect((await post(anonymous, {})).status()).toBe(401);
  await anonymous.dispose();
  for (const role of ["annotator", "reviewer"] as const) {
    const user = await users.create({ role });
    expect((await post(user.request, {})).status()).toBe(403);
  }
  const bad = await post(admin.request, { id: "not an id", output: "file", options: {} });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toEqual({ error: { code: "validation", message: expect.any(String) } });
});
