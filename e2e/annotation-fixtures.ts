// Helpers for the annotation specs: accounts and campaigns made through the app's own API (the
// admin's session), and reading back what the database stored (the admin's inspection query).
import { expect, type APIRequestContext, type Page } from "@playwright/test";

type TrpcResult<T> = { result: { data: { json: T } } };

async function trpc<T>(request: APIRequestContext, path: string, input: unknown, kind: "query" | "mutation") {
  const response =
    kind === "mutation"
      ? await request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  const body = await response.json();
  expect(response.ok(), `${path}: ${JSON.stringify(body)}`).toBe(true);
  return (body as TrpcResult<T>).result.data.json;
}

export const mutate = <T>(request: APIRequestContext, path: string, input: unknown) =>
  trpc<T>(request, path, input, "mutation");
export const query = <T>(request: APIRequestContext, path: string, input: unknown) =>
  trpc<T>(request, path, input, "query");

/** An annotator account, invited by the signed-in admin of `adminPage`, with a password set. */
export async function createAnnotatorAccount(adminPage: Page, prefix: string) {
  const email = `${prefix}-${Date.now()}@e2e.test`;
  const password = "annotator password 1";
  const invited = await mutate<{ token: string }>(adminPage.request, "users.invite", {
    email,
    name: "Ann Otator",
    role: "annotator",
  });
  await mutate(adminPage.request, "invitations.accept", { token: invited.token, password });
  return { email, password };
}

/** An active campaign whose two variants use the default local model (the demo model). */
export async function createLocalCampaign(
  adminPage: Page,
  settings: { name: string; kind: "helpfulness" | "safety"; safetyPreprompt?: string; guidelines?: string },
  maxTokens = 96,
) {
  const campaign = await mutate<{ id: string }>(adminPage.request, "campaigns.create", {
    name: settings.name,
    kind: settings.kind,
    guidelines: settings.guidelines ?? "# Guidelines\n\nJudge the responses.",
    safetyPreprompt: settings.safetyPreprompt ?? null,
    membership: "all",
  });
  for (const temperature of [0.7, 1.0]) {
    await mutate(adminPage.request, "variants.create", {
      campaignId: campaign.id,
      name: `local @ ${temperature}`,
      endpointKind: "local",
      model: "",
      temperature,
      topP: 0.95,
      maxTokens,
      versionLabel: "v1",
    });
  }
  await mutate(adminPage.request, "batches.openNext", { campaignId: campaign.id });
  return campaign;
}

export interface StoredConversation {
  id: string;
  status: string;
  riskCategory: string | null;
  attackVector: string | null;
  safetyPreprompt: string | null;
  turns: {
    index: number;
    userMessage: string;
    chosenResponseId: string | null;
    responses: {
      id: string;
      position: number;
      variantName: string;
      model: string;
      endpointKind: string;
      endpoint: string;
      temperature: number;
      topP: number;
      maxTokens: number;
      seed: number;
      promptMessages: { role: string; content: string }[];
      text: string;
      status: string;
      finishReason: string | null;
      promptTokens: number | null;
      completionTokens: number | null;
      firstTokenMs: number | null;
      latencyMs: number | null;
    }[];
    comparisons: {
      chosenResponseId: string;
      rejectedResponseId: string;
      ranking: string[];
      strength: string;
      responseSafety: Record<string, boolean> | null;
      safetyBin: string | null;
      timeSpentMs: number;
    }[];
  }[];
}

export async function storedConversations(adminPage: Page, campaignId: string, annotatorEmail: string) {
  const page = await query<{ items: StoredConversation[] }>(
    adminPage.request,
    "annotation.inspectConversations",
    {
      campaignId,
      annotatorEmail,
    },
  );
  return page.items;
}

/** The id of a campaign the annotator sees, from their campaign list. */
export async function campaignIdByName(page: Page, name: string) {
  const list = await query<{ items: { id: string; name: string }[] }>(page.request, "annotation.campaigns", {
    pageSize: 100,
  });
  const campaign = list.items.find((item) => item.name === name);
  expect(campaign, `campaign ${name} in the annotator's list`).toBeDefined();
  return campaign!.id;
}
