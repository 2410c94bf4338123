import { describe, expect, it } from "vitest";
import { identityQuestion, IDENTITY_TERMS, identityMatcher, variantNames } from "./identity-leaks";

describe("identity leaks", () => {
  const names = [
    ...IDENTITY_TERMS,
    ...variantNames([{ name: "arbiter-rlhf-13b", model: "org/arbiter-rlhf-13b" }]),
  ];
  const leak = identityMatcher(names);

  it("finds model families, vendors and the variant's own names in any case", () => {
    expect(leak("I am ChatGPT, a large language model.")).toBe("ChatGPT");
    expect(leak("As an AI developed by OPENAI, I can't.")).toBe("OPENAI");
    expect(leak("I'm llama 2 and happy to help")).toBe("llama 2");
    expect(leak("As arbiter-rlhf-13b, I can help.")).toBe("arbiter-rlhf-13b");
    expect(leak("Arbiter here: hello.")).toBe("Arbiter");
    expect(leak("Speaking as Yi, from 01.AI.")).toBe("01.AI");
  });

  it("does not match inside longer words or in ordinary prose", () => {
    expect(leak("Claudette baked a llamacake for the gptx team.")).toBeNull();
    expect(leak("Yield curves and yin-yang symbols.")).toBeNull();
    expect(leak("yi is lowercase here")).toBeNull();
    expect(leak("Here is a binary search in Python, step by step.")).toBeNull();
    const local = identityMatcher(variantNames([{ name: "local @ 0.7", model: "" }]));
    expect(local("Check the local library.")).toBeNull();
    expect(local("I am local @ 0.7.")).toBe("local @ 0.7");
  });

  it("recognizes prompts that ask the model who it is", () => {
    expect(identityQuestion("Who are you?")).toBe("Who are you");
    expect(identityQuestion("what's your name, bot")).not.toBeNull();
    expect(identityQuestion("Which model are you running on?")).not.toBeNull();
    expect(identityQuestion("Who trained you?")).not.toBeNull();
    expect(identityQuestion("Are you ChatGPT?")).not.toBeNull();
    expect(identityQuestion("Who are the main characters in Pride and Prejudice?")).toBeNull();
    expect(identityQuestion("Which model of car should I buy?")).toBeNull();
  });
});
