// API tokens from the pages to a pipeline: an admin creates a service token (shown once), a
// script uses it on the HTTP API, the token signs nobody in to the pages, the list shows its
// last use, and revoking it stops it. An annotator's own page offers no admin scope.
import { expect, test } from "./fixtures";

test("an admin's service token drives the API, never the pages, and stops when revoked", async ({
  admin,
  playwright,
  baseURL,
}) => {
  const { page } = admin;
  const name = `nightly pipeline ${Date.now()}`;
  await page.goto("/admin/tokens");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Scope").selectOption("admin");
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByLabel("New API token").inputValue();
  expect(secret).toMatch(/^arb_/);

  const pipeline = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${secret}` },
  });
  const created = await pipeline.post("/api/v1/campaigns", {
    data: { name: `From a pipeline ${Date.now()}`, kind: "helpfulness" },
  });
  expect(created.status()).toBe(201);
  const listed = await pipeline.get("/api/v1/campaigns?pageSize=5");
  expect(listed.status()).toBe(200);
  // The same token on a page is no session: the page sends the caller to sign in.
  const onPage = await pipeline.get("/admin/campaigns");
  expect(new URL(onPage.url()).pathname).toBe("/sign-in");
  const document = await pipeline.get("/api/openapi.json");
  expect((await document.json()).paths).toHaveProperty("/api/v1/campaigns/{campaignId}/exports");

  await page.reload();
  const row = page.getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("active");
  await expect(row).not.toContainText("never");
  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  await expect(row).toContainText("revoked");
  const refused = await pipeline.get("/api/v1/campaigns");
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.message).toMatch(/revoked/);
  await pipeline.dispose();
});

test("an annotator creates personal tokens without the admin scope", async ({ users }) => {
  const annotator = await users.create({ role: "annotator" });
  await annotator.page.goto("/account/tokens");
  const scopes = await annotator.page.getByLabel("Scope").locator("option").allTextContents();
  expect(scopes.map((scope) => scope.split(":")[0])).toEqual(["Read", "Annotate"]);
  await annotator.page.getByLabel("Name").fill("my script");
  await annotator.page.getByRole("button", { name: "Create token" }).click();
  await expect(annotator.page.getByLabel("New API token")).toHaveValue(/^arb_/);
  await expect(annotator.page.getByRole("row", { name: /my script/ })).toContainText("read");
});
