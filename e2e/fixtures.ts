// Page helpers shared by specs: signing in and out the way a person does.
import { expect, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";

export { E2E_ADMIN };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: /Welcome/ })).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Arbiter" })).toBeVisible();
}

/** The page's own alert; Next.js adds an empty role="alert" route announcer to every page. */
export function alertIn(page: Page) {
  return page.getByRole("alert").filter({ hasText: /\S/ });
}
