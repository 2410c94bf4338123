// Single sign-on against a real OpenID Connect provider started here: a new person from the
// allowed domain comes back from the provider signed in as an annotator, and an address from
// another domain is turned away with the reason and no account.
import { alertIn, expect, test } from "./fixtures";
import { E2E_OIDC_DOMAIN, startOidcProvider } from "./oidc-provider";
import type { Page } from "@playwright/test";

let provider: Awaited<ReturnType<typeof startOidcProvider>>;
test.beforeAll(async ({}, testInfo) => {
  const baseURL = testInfo.project.use.baseURL!;
  provider = await startOidcProvider(process.env.ARBITER_E2E_OIDC_PORT!, `${baseURL}/api/auth/callback/oidc`);
});
test.afterAll(async () => {
  await provider?.close();
});

/** From Arbiter's sign-in page through the provider's own login and consent pages. */
async function signInThroughProvider(page: Page, email: string) {
  await page.goto("/sign-in?callbackUrl=%2Fcampaigns");
  await page.getByRole("button", { name: "Continue with single sign-on" }).click();
  await page.getByPlaceholder("Enter any login").fill(email);
  await page.getByPlaceholder("and password").fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a new person from the allowed domain signs in through the provider as an annotator", async ({
  page,
  admin,
}) => {
  const email = `ada-${Date.now()}@${E2E_OIDC_DOMAIN}`;
  await signInThroughProvider(page, email);
  await expect(page).toHaveURL(/\/campaigns$/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  await admin.page.goto("/admin/users");
  await admin.page.getByLabel("Search by email or name").fill(email);
  await expect(admin.page.getByLabel(`Role of ${email}`)).toHaveValue("annotator");
  await expect(admin.page.getByRole("row", { name: new RegExp(email) })).toContainText("Active");
});

test("an address outside the allowed domains is refused and gets no account", async ({ page, admin }) => {
  const email = `mallory-${Date.now()}@elsewhere.test`;
  await signInThroughProvider(page, email);
  await expect(page).toHaveURL(/\/sign-in\?error=SsoDomainRefused/);
  await expect(alertIn(page)).toHaveText(/this email domain cannot sign in here/);

  await admin.page.goto("/admin/users");
  await admin.page.getByLabel("Search by email or name").fill(email);
  await expect(admin.page.getByText("No users match this search.")).toBeVisible();
});
