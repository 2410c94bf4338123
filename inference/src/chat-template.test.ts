import { describe, expect, it } from "vitest";

import { chatPromptTokens, ChatTemplateError, renderChat } from "./chat-template";

const llama2 = { template: null, bosToken: "<s>", eosToken: "</s>" };

// Meta's Llama 3 Instruct template (as shipped in its tokenizer_config.json and GGUFs).
const LLAMA3_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}" +
  "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}" +
  "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

describe("renderChat", () => {
  it("falls back to the Llama 2 format, with the system prompt inside the first [INST]", () => {
    const rendered = renderChat(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: " Hi there " }, // strip() applies to the whole first turn
        { role: "assistant", content: "Hello!" },
        { role: "user", content: "How are you?" },
      ],
      llama2,
    );
    expect(rendered).toBe(
      "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi there [/INST] Hello! </s><s>[INST] How are you? [/INST]",
    );
  });

  it("renders a single user turn without a system prompt", () => {
    expect(renderChat([{ role: "user", content: "Hello" }], llama2)).toBe("<s>[INST] Hello [/INST]");
  });

  it("reports the template's raise_exception as a ChatTemplateError", () => {
    const render = () => renderChat([{ role: "assistant", content: "first" }], llama2);
    expect(render).toThrow(ChatTemplateError);
    expect(render).toThrow(/roles must alternate/);
  });

  it("renders a Llama 3 template from the file, with the generation prompt", () => {
    const options = { template: LLAMA3_TEMPLATE, bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>" };
    const messages = [
      { role: "system", content: "You are helpful." },
      { role: "user", content: "2+2?" },
    ];
    expect(renderChat(messages, options)).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are helpful.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(renderChat(messages, { ...options, addGenerationPrompt: false })).not.toContain("assistant");
  });

  it("reports a template that does not parse", () => {
    expect(() => renderChat([{ role: "user", content: "x" }], { ...llama2, template: "{% for %}" })).toThrow(
      /cannot be parsed/,
    );
  });
});

describe("chatPromptTokens", () => {
  // A stand-in tokenizer that records how it was called: the real one is tested with the engine.
  const calls: unknown[] = [];
  const tokenizer = {
    info: { bosTokenId: 1 },
    tokenize(text: string, options?: { addBos?: boolean; special?: boolean }) {
      calls.push(options);
      return text.startsWith("<s>") ? [1, 100] : [100];
    },
  };

  it("keeps the BOS the template wrote and adds one when it did not", () => {
    expect(chatPromptTokens(tokenizer, "<s>[INST] x [/INST]")).toEqual([1, 100]);
    expect(chatPromptTokens(tokenizer, "[INST] x [/INST]")).toEqual([1, 100]);
    expect(calls).toEqual([
      { addBos: false, special: true },
      { addBos: false, special: true },
    ]);
    expect(chatPromptTokens({ ...tokenizer, info: { bosTokenId: null } }, "x")).toEqual([100]);
  });
});
