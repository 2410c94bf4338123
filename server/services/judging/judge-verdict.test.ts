import { describe, expect, it } from "vitest";
import type { JudgeVerdictRun } from "@/db/schema";
import { combineVerdicts, parseVerdict, questionText, renderJudgePrompt } from "./judge-verdict";

const run = (
  order: [string, string],
  winner: JudgeVerdictRun["winner"],
  strength: JudgeVerdictRun["strength"],
) => ({
  order,
  winner,
  strength,
  rationale: `${winner} ${strength}`,
});

describe("combineVerdicts", () => {
  it("keeps a winner both orders named, at the weaker of the two strengths", () => {
    expect(
      combineVerdicts([
        run(["x", "y"], "A", "significantly_better"),
        run(["y", "x"], "B", "slightly_better"),
      ]),
    ).toEqual({
      outcome: "winner",
      winnerResponseId: "x",
      strength: "slightly_better",
      rationale: "A significantly_better",
    });
  });

  it("is unsure when the orders disagree (position bias) or either says tie", () => {
    expect(combineVerdicts([run(["x", "y"], "A", "better"), run(["y", "x"], "A", "better")]).outcome).toBe(
      "unsure",
    );
    expect(combineVerdicts([run(["x", "y"], "tie", "better"), run(["y", "x"], "B", "better")])).toMatchObject(
      {
        outcome: "unsure",
        winnerResponseId: null,
        strength: null,
      },
    );
  });
});

describe("the judge's prompt", () => {
  it("fills the placeholders once, leaving look-alikes in the answers as typed", () => {
    expect(
      renderJudgePrompt("Q: {question} | A: {answer_a} | B: {answer_b}", "why?", "{answer_b}", "two"),
    ).toBe("Q: why? | A: {answer_b} | B: two");
  });

  it("shows earlier turns as a transcript and a single question as it is", () => {
    expect(
      questionText([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ]),
    ).toBe("Hi");
    expect(
      questionText([
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
        { role: "user", content: "Why?" },
      ]),
    ).toBe("User: Hi\n\nAssistant: Hello\n\nUser: Why?");
  });

  it("reads a verdict, and nothing that is not one", () => {
    expect(parseVerdict('{"winner":"B","strength":"better","rationale":"clearer"}')).toEqual({
      winner: "B",
      strength: "better",
      rationale: "clearer",
    });
    expect(parseVerdict('{"winner":"C","strength":"better","rationale":""}')).toBeNull();
    expect(parseVerdict("[[A]]")).toBeNull();
  });
});
