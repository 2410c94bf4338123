// Chat prompts: renders the model's tokenizer.chat_template (Jinja, as Hugging Face defines it)
// with @huggingface/jinja, or the Llama 2 chat format when the file carries no template, and
// turns the result into prompt tokens without doubling the BOS the template already wrote.

import { Template } from "@huggingface/jinja";

export interface ChatMessage {
  role: string;
  content: string;
}

/** Meta's Llama 2 chat template: [INST] turns, the system prompt in <<SYS>> inside the first. */
export const LLAMA2_CHAT_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}" +
  "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}" +
  "{% for message in loop_messages %}" +
  "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}" +
  "{% endif %}" +
  "{% if loop.index0 == 0 and system_message != false %}" +
  "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}" +
  "{% endfor %}";

/** A template that cannot be parsed or that refuses the conversation (raise_exception). */
export class ChatTemplateError extends Error {
  readonly code = "INVALID_CHAT";
}

const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new ChatTemplateError(`the model's chat template cannot be parsed: ${(error as Error).message}`);
    }
    compiled.set(source, template);
  }
  return template;
}

export interface RenderChatOptions {
  /** tokenizer.chat_template, or null for the Llama 2 format. */
  template: string | null;
  bosToken: string;
  eosToken: string;
  /** Open an assistant turn at the end (default true). */
  addGenerationPrompt?: boolean;
}

export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions): string {
  const template = compile(options.template ?? LLAMA2_CHAT_TEMPLATE);
  try {
    return template.render({
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: options.bosToken,
      eos_token: options.eosToken,
    });
  } catch (error) {
    throw new ChatTemplateError(`the chat template rejected the conversation: ${(error as Error).message}`);
  }
}

/** What chatPromptTokens needs of a model (Model from ./index satisfies it). */
export interface ChatTokenizer {
  info: { bosTokenId: number | null };
  tokenize(text: string, options?: { addBos?: boolean; special?: boolean }): number[];
}

/**
 * Tokens of a rendered chat prompt. Special tokens written by the template ("<s>",
 * "<|start_header_id|>") become their ids; BOS is prepended only when the template did not
 * already start with it.
 */
export function chatPromptTokens(model: ChatTokenizer, rendered: string): number[] {
  const ids = model.tokenize(rendered, { addBos: false, special: true });
  const bos = model.info.bosTokenId;
  return bos !== null && ids[0] !== bos ? [bos, ...ids] : ids;
}
