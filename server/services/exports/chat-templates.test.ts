import { describe, expect, it } from "vitest";
import { ChatTemplateRenderer } from "./chat-templates";

const prompt = [
  { role: "system" as const, content: "Be safe." },
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "Hi" },
  { role: "assistant" as const, content: "Hello!" },
  { role: "user" as const, content: "2+2?" },
];

describe("ChatTemplateRenderer", () => {
  it("renders Llama 2 prompts (leading system messages joined) and answers as their continuation", () => {
    const { promptText, completion } = new ChatTemplateRenderer("llama-2").renderPrompt(prompt);
    expect(promptText).toBe(
      "<s>[INST] <<SYS>>\nBe safe.\n\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] 2+2? [/INST]",
    );
    expect(completion("4")).toBe(" 4 </s>");
  });

  it("renders Llama 3 with its generation prompt", () => {
    const { promptText, completion } = new ChatTemplateRenderer("llama-3").renderPrompt(prompt.slice(2));
    expect(promptText).toBe(
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(completion("4")).toBe("4<|eot_id|>");
  });
});
