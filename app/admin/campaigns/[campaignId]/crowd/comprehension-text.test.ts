import { describe, expect, it } from "vitest";
import { parseComprehensionText } from "./comprehension-text";

describe("parseComprehensionText", () => {
  it("reads questions separated by blank lines, the starred option being the right one", () => {
    expect(
      parseComprehensionText(
        "What do you compare?\n- Images\n* Two answers of an assistant\n\n\nMay you copy answers?\n* No\n- Yes\n",
      ),
    ).toEqual({
      questions: [
        {
          question: "What do you compare?",
          options: ["Images", "Two answers of an assistant"],
          correctOption: 1,
        },
        { question: "May you copy answers?", options: ["No", "Yes"], correctOption: 0 },
      ],
    });
    expect(parseComprehensionText("  \n")).toEqual({ questions: [] });
  });

  it("names the question without exactly one right option", () => {
    expect(parseComprehensionText("Q1\n* a\n- b\n\nQ2\n* a\n* b")).toEqual({ invalidQuestion: 2 });
    expect(parseComprehensionText("Q1\n- a\n- b")).toEqual({ invalidQuestion: 1 });
    expect(parseComprehensionText("Q1\n* only one option")).toEqual({ invalidQuestion: 1 });
    expect(parseComprehensionText("Q1\n* a\nb")).toEqual({ invalidQuestion: 1 });
  });
});
