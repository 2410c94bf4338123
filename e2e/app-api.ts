// The app's own API as a signed-in person calls it: tRPC procedures over their browser context's
// cookies, one judged turn sent the way the annotation workspace sends it, and the admin's
// inspection query that reads back what the database stored.
import { expect, type APIRequestContext } from "@playwright/test";

/** Whoever calls: a signed-in person, or a page (both carry their context's request). */
export interface Caller {
  request: APIRequestContext;
}

async function trpc<T>(caller: Caller, path: string, input: unknown, kind: "query" | "mutation") {
  const response =
    kind === "mutation"
      ? await caller.request.post(`/api/trpc/${path}`, { data: { json: input } })
      : await caller.request.get(
          `/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
        );
  const body = await response.json();
  expect(response.ok(), `${path}: ${JSON.stringify(body)}`).toBe(true);
  return (body as { result: { data: { json: T } } }).result.data.json;
}

export const mutate = <T>(caller: Caller, path: string, input: unknown) =>
  trpc<T>(caller, path, input, "mutation");
export const query = <T>(caller: Caller, path: string, input: unknown) =>
  trpc<T>(caller, path, input, "query");

/** A helpfulness campaign open to every annotator, without variants yet (the caller adds them). */
export async function createBareCampaign(admin: Caller, name: string) {
  const campaign = await mutate<{ id: string }>(admin, "campaigns.create", {
    name,
    kind: "helpfulness",
    guidelines: "# Guidelines\n\nPick the better answer.",
    safetyPreprompt: null,
    membership: "all",
  });
  return campaign.id;
}

/**
 * One judged turn: send the prompt (POST /api/generate answers with the stored turn, then
 * streams both responses until they are complete), then submit with the response at display
 * position `winner` chosen.
 */
export async function judgeTurn(
  annotator: Caller,
  input: {
    campaignId: string;
    conversationId: string | null;
    message: string;
    winner: 0 | 1;
    strength: string;
  },
) {
  const response = await annotator.request.post("/api/generate", {
    data: { campaignId: input.campaignId, conversationId: input.conversationId, message: input.message },
    timeout: 60_000,
  });
  const text = await response.text();
  expect(response.ok(), text).toBe(true);
  const events = text
    .split("\n")
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          turn?: { turnId: string; responses: { id: string; position: number }[] };
        },
    );
  expect(events.at(-1)?.type).toBe("end");
  const turn = events.find((event) => event.type === "turn")!.turn!;
  const [a, b] = [...turn.responses].sort((x, y) => x.position - y.position).map((item) => item.id);
  const result = await mutate<{ comparisonId: string; conversationId: string; chosenResponseId: string }>(
    annotator,
    "annotation.submitComparison",
    {
      turnId: turn.turnId,
      idempotencyKey: crypto.randomUUID(),
      ranking: input.winner === 0 ? [a, b] : [b, a],
      strength: input.strength,
      timeSpentMs: 9000,
    },
  );
  return { ...result, turnId: turn.turnId, responseIds: [a, b] };
}

export interface StoredConversation {
  id: string;
  status: string;
  riskCategory: string | null;
  attackVector: string | null;
  safetyPreprompt: string | null;
  turns: {
    id: string;
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

/** The conversations of a campaign as stored, narrowed to one annotator or one conversation. */
export async function storedConversations(
  admin: Caller,
  filter: { campaignId: string; annotatorEmail?: string; conversationId?: string },
) {
  const page = await query<{ items: StoredConversation[] }>(admin, "annotation.inspectConversations", filter);
  return page.items;
}

/** The id of a campaign the annotator sees, from their campaign list. */
export async function campaignIdByName(annotator: Caller, name: string) {
  const list = await query<{ items: { id: string; name: string }[] }>(annotator, "annotation.campaigns", {
    pageSize: 100,
  });
  const campaign = list.items.find((item) => item.name === name);
  expect(campaign, `campaign ${name} in the annotator's list`).toBeDefined();
  return campaign!.id;
}
