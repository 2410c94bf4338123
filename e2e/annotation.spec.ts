// An annotator works through the demo campaign on the real engine (the demo model Arbiter
// generated at first start): writes a prompt, watches both responses stream in, picks
// "Response B" as slightly better, continues the dialogue with the keyboard only, and the
// database holds both comparisons with the dialogue history and generation parameters.
import type { Page } from "@playwright/test";
import { campaignIdByName, storedConversations } from "./app-api";
import { expect, test } from "./fixtures";

const DEMO = "Demo: helpfulness";

/** The NDJSON events the page received from the generation endpoints (/api/generate...).
 *  The page's own fetch is teed in the browser: Playwright's response.text() on a long-lived
 *  streamed response can come back empty when Chromium has already dropped the body. */
async function watchStreams(page: Page) {
  const teeGenerationStreams = () => {
    const target = window as unknown as { __generateBodies?: Promise<string>[] };
    if (target.__generateBodies) return;
    const bodies: Promise<string>[] = [];
    target.__generateBodies = bodies;
    const originalFetch = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const response = await originalFetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input), location.href);
      if (url.pathname.startsWith("/api/generate"))
        bodies.push(
          response
            .clone()
            .text()
            .catch(() => ""),
        );
      return response;
    };
  };
  await page.addInitScript(teeGenerationStreams); // every document from now on
  await page.evaluate(teeGenerationStreams); // and the one already open
  return async () => {
    const texts = await page.evaluate(async () => {
      const bodies = (window as unknown as { __generateBodies: Promise<string>[] }).__generateBodies;
      return Promise.all(bodies.splice(0));
    });
    return texts
      .flatMap((body) => body.split("\n"))
      .filter((line) => line.trim())
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            responseId?: string;
            text?: string;
            response?: { id: string; status: string; text: string };
          },
      );
  };
}

test("an annotator compares streamed responses, chooses, continues the dialogue, and it is all stored", async ({
  admin,
  users,
}) => {
  test.setTimeout(120_000);
  const account = await users.create({ role: "annotator" });
  const annotator = account.page;
  const campaignId = await campaignIdByName(account, DEMO);
  const streamEvents = await watchStreams(annotator);

  await test.step("opens the demo campaign and confirms the guidelines once", async () => {
    await annotator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Annotate" }).click();
    await annotator.getByRole("link", { name: `Annotate in ${DEMO}` }).click();
    await expect(annotator.getByRole("heading", { name: /Guidelines \(version 1\)/ })).toBeVisible();
    await annotator.getByRole("button", { name: "I have read the guidelines", exact: true }).click();
    await expect(annotator.getByText("demo model with random weights")).toBeVisible();
    // Confirmed, the next thing to do is the prompt: the cursor is there.
    await expect(annotator.getByRole("textbox", { name: "Prompt", exact: true })).toBeFocused();
  });

  const firstPrompt = "Explain in two sentences why the sky is blue.";
  await test.step("a draft prompt survives a reload", async () => {
    await annotator.getByRole("textbox", { name: "Prompt", exact: true }).fill(firstPrompt);
    await annotator.reload();
    await expect(annotator.getByRole("textbox", { name: "Prompt", exact: true })).toHaveValue(firstPrompt);
  });

  await test.step("sends the prompt and watches both responses stream in", async () => {
    await annotator.getByRole("button", { name: "Send", exact: true }).click();
    await expect(annotator.getByTestId("current-prompt")).toHaveText(firstPrompt);
    for (const name of ["Response A", "Response B"]) {
      const card = annotator.getByRole("region", { name, exact: true });
      await expect(card.getByTestId("response-status")).toHaveText(/^Complete/, { timeout: 60_000 });
    }
    const events = await streamEvents();
    expect(events[0].type).toBe("turn");
    expect(events.at(-1)?.type).toBe("end");
    // Token by token: each response's text is exactly the pieces that streamed in for it (a
    // random-weight model may end a response early, so their number is not fixed).
    const finals = events.filter(
      (event) => event.type === "response" && event.response?.status === "completed",
    );
    expect(finals).toHaveLength(2);
    for (const final of finals) {
      const pieces = events.filter(
        (event) => event.type === "delta" && event.responseId === final.response!.id,
      );
      expect(pieces.map((piece) => piece.text).join("")).toBe(final.response!.text);
    }
    expect(events.filter((event) => event.type === "delta").length).toBeGreaterThan(20);
  });

  await test.step('picks "Response B", "Slightly better", and submits', async () => {
    await annotator.getByRole("radio", { name: "Response B", exact: true }).check();
    await annotator.getByRole("radio", { name: "Slightly better", exact: true }).check();
    // The judgement in progress is a draft too: a reload keeps it.
    await annotator.reload();
    await expect(annotator.getByRole("radio", { name: "Response B", exact: true })).toBeChecked();
    await expect(annotator.getByRole("radio", { name: "Slightly better", exact: true })).toBeChecked();
    await annotator.getByRole("button", { name: "Submit", exact: true }).click();
    await expect(annotator.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(annotator.getByRole("button", { name: "End conversation", exact: true })).toBeVisible();
    await expect(annotator.getByRole("status", { name: "Progress" })).toContainText("1 comparison today");
  });

  const secondPrompt = "Now say it like a pirate.";
  await test.step("continues to a second turn with the keyboard only", async () => {
    await annotator.getByRole("button", { name: "Continue conversation", exact: true }).focus();
    await annotator.keyboard.press("n");
    await expect(annotator.getByRole("textbox", { name: "Prompt", exact: true })).toBeFocused();
    await annotator.keyboard.type(secondPrompt);
    await annotator.keyboard.press("Control+Enter");
    await expect(annotator.getByTestId("current-prompt")).toHaveText(secondPrompt);
    for (const name of ["Response A", "Response B"]) {
      await expect(
        annotator.getByRole("region", { name, exact: true }).getByTestId("response-status"),
      ).toHaveText(/^Complete/, {
        timeout: 60_000,
      });
    }
    await annotator.locator("body").click({ position: { x: 5, y: 5 } }); // focus out of the prompt box
    await annotator.keyboard.press("a");
    await annotator.keyboard.press("2");
    await expect(annotator.getByRole("radio", { name: "Response A", exact: true })).toBeChecked();
    await expect(annotator.getByRole("radio", { name: "Better", exact: true })).toBeChecked();
    await annotator.keyboard.press("Control+Enter");
    await expect(annotator.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(annotator.getByRole("list", { name: "Dialogue so far" }).getByRole("listitem")).toHaveCount(
      2,
    );
  });

  await test.step("the database holds two comparisons with the dialogue, choices and generation parameters", async () => {
    const [conversation] = await storedConversations(admin, { campaignId, annotatorEmail: account.email });
    expect(conversation.turns).toHaveLength(2);
    const [first, second] = conversation.turns;
    expect(first.userMessage).toBe(firstPrompt);
    expect(second.userMessage).toBe(secondPrompt);

    const firstChoice = first.comparisons[0];
    const responseB = first.responses.find((response) => response.position === 1)!;
    const responseA = first.responses.find((response) => response.position === 0)!;
    expect(first.comparisons).toHaveLength(1);
    expect(firstChoice).toMatchObject({
      chosenResponseId: responseB.id,
      rejectedResponseId: responseA.id,
      strength: "slightly_better",
      safetyBin: null,
    });
    expect(firstChoice.timeSpentMs).toBeGreaterThan(0);
    expect(first.chosenResponseId).toBe(responseB.id);

    expect(second.comparisons).toHaveLength(1);
    const secondA = second.responses.find((response) => response.position === 0)!;
    expect(second.comparisons[0]).toMatchObject({ chosenResponseId: secondA.id, strength: "better" });

    for (const turn of conversation.turns) {
      expect(turn.responses).toHaveLength(2);
      // Two variants of the default model: different temperatures, each with its own seed.
      expect(new Set(turn.responses.map((response) => response.temperature))).toEqual(new Set([0.7, 1]));
      for (const response of turn.responses) {
        expect(response).toMatchObject({
          status: "completed",
          endpointKind: "local",
          topP: 0.95,
          maxTokens: 160,
        });
        expect(response.endpoint).toMatch(/^local:.*demo-random-256x4-q8_0\.gguf$/);
        expect(response.model).toBe("demo-random-256x4-q8_0");
        expect(Number.isInteger(response.seed)).toBe(true);
        expect(response.completionTokens).toBeGreaterThanOrEqual(0);
        expect(response.promptTokens).toBeGreaterThan(0);
        expect(response.latencyMs).toBeGreaterThanOrEqual(response.firstTokenMs ?? 0);
        expect(["stop", "length"]).toContain(response.finishReason);
      }
    }
    // The second turn was generated with the whole dialogue: the first prompt and the chosen answer.
    for (const response of second.responses) {
      expect(response.promptMessages).toEqual([
        { role: "user", content: firstPrompt },
        { role: "assistant", content: responseB.text },
        { role: "user", content: secondPrompt },
      ]);
    }
  });

  await test.step("ends the conversation and can start a new one", async () => {
    await annotator.getByRole("button", { name: "End conversation", exact: true }).click();
    await expect(annotator.getByText("The conversation has ended.")).toBeVisible();
    await expect(annotator.getByRole("textbox", { name: "Prompt", exact: true })).toBeEmpty();
  });
});
