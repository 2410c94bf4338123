// The specs' fixtures: each test makes its own people (invited by the operator's admin, password
// set through the invitation, signed in on a browser context of their own) and its own
// campaigns, and never reads another test's data; one inference server serves a whole worker.
// Specs import `test` and `expect` from here.
import { randomUUID } from "node:crypto";
import {
  test as base,
  expect,
  type APIRequestContext,
  type BrowserContext,
  type Page,
} from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { mutate } from "./app-api";
import { startInferenceServer, type InferenceServer } from "./inference-server";
import { temperaturePairInputs } from "./variant-inputs";

export { expect };

export type Role = "admin" | "reviewer" | "annotator";

/** An account whose password is set, not signed in anywhere. */
export interface Account {
  email: string;
  password: string;
  name: string;
  role: Role;
}

/** An account signed in on its own browser context. */
export interface SignedInUser extends Account {
  page: Page;
  /** Calls the API as this person (their context's cookies). */
  request: APIRequestContext;
}

export interface UsersFixture {
  /** A new account, signed in on a browser context of its own (closed after the test). */
  create(options: { role: Role; name?: string }): Promise<SignedInUser>;
  /** A new account that nobody has signed in with yet: for steps that sign in by hand. */
  createAccount(options: { role: Role; name?: string }): Promise<Account>;
}

export interface CampaignsFixture {
  /**
   * An active campaign made by the test's admin, open to every annotator: two variants of the
   * local engine's default model (the demo model) at temperatures 0.7 and 1.0, first batch open.
   */
  create(options?: {
    name?: string;
    kind?: "helpfulness" | "safety";
    guidelines?: string;
    safetyPreprompt?: string;
    maxTokens?: number;
  }): Promise<{ id: string; name: string }>;
}

export const test = base.extend<
  {
    users: UsersFixture;
    /** An admin of this test's own, signed in. */
    admin: SignedInUser;
    campaigns: CampaignsFixture;
  },
  {
    /** Arbiter's inference server on a tiny generated model, for variants that use a URL. */
    inferenceServer: InferenceServer;
  }
>({
  users: async ({ browser }, use) => {
    const contexts: BrowserContext[] = [];
    async function signedInContext(email: string, password: string) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await signIn(page, email, password);
      return page;
    }
    // The admin the operator configured invites everyone, the test's own admin included.
    let operator: Promise<Page> | undefined;

    async function createAccount({ role, name = `E2E ${role}` }: { role: Role; name?: string }) {
      const inviter = await (operator ??= signedInContext(E2E_ADMIN.email, E2E_ADMIN.password));
      const email = `${role}-${randomUUID().slice(0, 8)}@e2e.test`;
      const password = `${role} password ${randomUUID().slice(0, 8)}`;
      const invited = await mutate<{ token: string }>(inviter, "users.invite", { email, name, role });
      await mutate(inviter, "invitations.accept", { token: invited.token, password });
      return { email, password, name, role };
    }

    await use({
      createAccount,
      async create(options) {
        const account = await createAccount(options);
        const page = await signedInContext(account.email, account.password);
        return { ...account, page, request: page.request };
      },
    });
    // The accounts stay: the run's whole data directory is removed after it (global-teardown.ts).
    for (const context of contexts) await context.close();
  },

  admin: async ({ users }, use) => {
    await use(await users.create({ role: "admin", name: "Ada Admin" }));
  },

  campaigns: async ({ admin }, use) => {
    await use({
      async create({
        name = `Campaign ${randomUUID().slice(0, 8)}`,
        kind = "helpfulness",
        guidelines = "# Guidelines\n\nJudge the responses.",
        safetyPreprompt,
        maxTokens = 96,
      } = {}) {
        const campaign = await mutate<{ id: string }>(admin, "campaigns.create", {
          name,
          kind,
          guidelines,
          safetyPreprompt: safetyPreprompt ?? null,
          membership: "all",
        });
        for (const input of temperaturePairInputs({
          campaignId: campaign.id,
          namePrefix: "local",
          maxTokens,
        })) {
          await mutate(admin, "variants.create", input);
        }
        await mutate(admin, "batches.openNext", { campaignId: campaign.id });
        return { id: campaign.id, name };
      },
    });
  },

  inferenceServer: [
    async ({}, use) => {
      const server = await startInferenceServer();
      await use(server);
      await server.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
});

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

/**
 * From the campaign list's "Annotate in" link: acknowledges the guidelines, sends the prompt and
 * waits until both responses are complete (a local engine may start first).
 */
export async function sendPromptUntilComplete(annotator: Page, campaignName: string, prompt: string) {
  await annotator.getByRole("link", { name: `Annotate in ${campaignName}` }).click();
  await annotator.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
  await annotator.getByRole("textbox", { name: "Prompt", exact: true }).fill(prompt);
  await annotator.getByRole("button", { name: "Send", exact: true }).click();
  for (const name of ["Response A", "Response B"]) {
    await expect(
      annotator.getByRole("region", { name, exact: true }).getByTestId("response-status"),
    ).toHaveText(/^Complete/, { timeout: 180_000 });
  }
}

/** Chooses Response A as better, submits, and waits for "Saved.". */
export async function submitResponseABetter(annotator: Page) {
  await annotator.getByRole("radio", { name: "Response A", exact: true }).check();
  await annotator.getByRole("radio", { name: "Better", exact: true }).check();
  await annotator.getByRole("button", { name: "Submit", exact: true }).click();
  await expect(annotator.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
}
