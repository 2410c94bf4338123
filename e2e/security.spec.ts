// What an attacker on the internet meets at the production server: the headers every page
// carries, a health check that says nothing but its status, and a sign-in throttle that a forged
// X-Forwarded-For does not escape (the server stamps each request with its TCP peer).
import { alertIn, expect, signIn, test } from "./fixtures";

test("every page carries the security headers and still works under its CSP", async ({ page, users }) => {
  const admin = await users.createAccount({ role: "admin" });
  const csp: string[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "document") {
      csp.push(response.headers()["content-security-policy"] ?? "");
      expect(response.headers()["x-frame-options"]).toBe("DENY");
      expect(response.headers()["x-content-type-options"]).toBe("nosniff");
    }
  });
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  // Signing in needs the hydrated form (client-side submit), so it proves scripts run under the CSP.
  await signIn(page, admin.email, admin.password);
  await page.goto("/admin/campaigns");
  expect(csp.length).toBeGreaterThan(1);
  for (const policy of csp) {
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("img-src 'self' data:");
    expect(policy).toContain("frame-ancestors 'none'");
  }
  expect(violations).toEqual([]);
});

test("the public health check tells an anonymous caller its status and nothing else", async ({
  playwright,
  baseURL,
}) => {
  const anonymous = await playwright.request.newContext({ baseURL });
  const response = await anonymous.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
  await anonymous.dispose();
});

test("a forged X-Forwarded-For does not escape the sign-in throttle", async ({
  page: attackerPage,
  users,
}) => {
  const victim = await users.createAccount({ role: "annotator" });

  await attackerPage.goto("/sign-in");
  for (let attempt = 1; attempt <= 6; attempt++) {
    // A new address each time: a limiter that believed the header would never see a repeat.
    await attackerPage.setExtraHTTPHeaders({ "x-forwarded-for": `203.0.113.${attempt}` });
    await attackerPage.getByLabel("Email").fill(victim.email);
    await attackerPage
      .getByLabel("Password")
      .fill(attempt === 6 ? victim.password : `wrong guess ${attempt}`);
    const answered = attackerPage.waitForResponse((response) =>
      response.url().includes("/api/auth/callback/credentials"),
    );
    await attackerPage.getByRole("button", { name: "Sign in" }).click();
    await answered;
    if (attempt < 6) await expect(alertIn(attackerPage)).toContainText("Wrong email or password");
  }
  // Five failures from this machine's one real address: even the right password waits now.
  await expect(alertIn(attackerPage)).toContainText(/Too many failed sign-in attempts\. Wait/);
  await expect(attackerPage.getByRole("heading", { name: /Welcome/ })).toHaveCount(0);
});
