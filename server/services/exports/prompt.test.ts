import { describe, expect, it } from "vitest";
import { buildPromptMessages } from "@/server/services/annotation/start-turn";
import { buildPrompt, type PromptSource } from "./prompt";

const history = [
  { userMessage: "First question", assistantMessage: "First answer" },
  { userMessage: "Second question", assistantMessage: "Second answer" },
];

const source: PromptSource = {
  systemPrompt: "  Answer briefly.  ",
  safetyPreprompt: "You are a safe and responsible assistant.",
  history,
  userMessage: "Third question",
  sentMessages: buildPromptMessages(
    { systemPrompt: "  Answer briefly.  ", safetyPreprompt: "You are a safe and responsible assistant." },
    history,
    "Third question",
  ),
};

describe("buildPrompt", () => {
  it("strips the preprompt: what generation would send without one", () => {
    expect(buildPrompt(source, "strip")).toEqual(
      buildPromptMessages(
        { systemPrompt: source.systemPrompt, safetyPreprompt: null },
        history,
        "Third question",
      ),
    );
  });

  it("keeps the messages exactly as they were sent, preprompt included", () => {
    const kept = buildPrompt(source, "keep");
    expect(kept).toEqual(source.sentMessages);
    expect(kept[0].content).toBe("You are a safe and responsible assistant.\n\nAnswer briefly.");
  });

  it("rebuilds the prompt when a dialogue had no preprompt, and leaves out turns without a chosen answer", () => {
    const prompt = buildPrompt(
      {
        ...source,
        safetyPreprompt: null,
        systemPrompt: null,
        history: [history[0], { userMessage: "abandoned", assistantMessage: null }],
      },
      "keep",
    );
    expect(prompt).toEqual([
      { role: "user", content: "First question" },
      { role: "assistant", content: "First answer" },
      { role: "user", content: "Third question" },
    ]);
  });
});
