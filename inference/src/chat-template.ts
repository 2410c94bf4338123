// Chat prompts: renders the model's tokenizer.chat_template (Jinja, as Hugging Face defines it)
// with @huggingface/jinja, or the Llama 2 chat format when the file carries no template, and
// turns the result into prompt tokens without doubling the BOS the template already wrote.
// Only the template's own text may spell control tokens: a message that contains "</s><s>[INST]"
// or "<|eot_id|>" is text, or anyone could forge turns and a system prompt.

import { randomUUID } from "node:crypto";

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

/** A piece of a rendered chat: the template's own text (special) or a message's content. */
export interface ChatSegment {
  text: string;
  special: boolean;
}

/**
 * renderChat, cut into the template's text and the messages' contents. The template is rendered
 * a second time with each content replaced by a marker no input can contain; the text between
 * markers is the template's. Each content is then found in the real rendering as the template
 * wrote it (as is, or trimmed on either side: Llama 2's strip(), Llama 3's and Gemma's trim; or,
 * for reasoning models' templates such as Qwen3's, only what follows its last "</think>"), and
 * the two renderings must agree exactly; a template that changes contents in any other way is
 * refused rather than guessed at.
 */
export function renderChatSegments(
  messages: readonly ChatMessage[],
  options: RenderChatOptions,
): ChatSegment[] {
  const rendered = renderChat(messages, options);
  const nonce = randomUUID();
  // Blank contents stay: templates test them ("if system_message") and they spell no token.
  const marked = renderChat(
    messages.map((m, i) => (m.content.trim() === "" ? m : { ...m, content: `\uE000${nonce}:${i}\uE001` })),
    options,
  );
  // split() with a capture group alternates template text and message indices.
  const parts = marked.split(new RegExp(`\uE000${nonce}:(\\d+)\uE001`));
  const pieces = parts.filter((_, k) => k % 2 === 0);
  const holes = parts.filter((_, k) => k % 2 === 1).map((index) => messages[Number(index)]!.content);

  // Depth-first over the ways each content may have been trimmed; a (piece, position) that
  // failed once fails again, so the search stays linear in practice.
  const failed = new Set<string>();
  const fill = (k: number, at: number): ChatSegment[] | null => {
    const piece = pieces[k]!;
    if (!rendered.startsWith(piece, at)) return null;
    const own = piece ? [{ text: piece, special: true }] : [];
    if (k === holes.length) return at + piece.length === rendered.length ? own : null;
    const key = `${k}:${at}`;
    if (failed.has(key)) return null;
    const content = holes[k]!;
    // Qwen3's template drops an earlier assistant turn's reasoning: split('</think>')[-1].lstrip('\n').
    const answer = content.split("</think>").at(-1)!;
    const candidates = [content, content.trim(), content.trimStart(), content.trimEnd()];
    if (answer !== content) candidates.push(answer, answer.replace(/^\n+/, ""), answer.trim());
    for (const text of new Set(candidates)) {
      if (!rendered.startsWith(text, at + piece.length)) continue;
      const rest = fill(k + 1, at + piece.length + text.length);
      if (rest) return [...own, ...(text ? [{ text, special: false }] : []), ...rest];
    }
    failed.add(key);
    return null;
  };
  const segments = fill(0, 0);
  if (!segments) {
    throw new ChatTemplateError(
      "the model's chat template changes message texts in a way that cannot be told apart from its own markers",
    );
  }
  return segments;
}

/** What chatPromptTokens needs of a model (Model from ./index satisfies it). */
export interface ChatTokenizer {
  info: { bosTokenId: number | null; addBosToken: boolean };
  tokenizeSegments(segments: readonly ChatSegment[], options?: { addBos?: boolean }): number[];
}

/**
 * Tokens of a rendered chat prompt. Special tokens written by the template ("<s>",
 * "<|start_header_id|>") become their ids, those spelled in messages stay text; BOS is
 * prepended only for a vocabulary that asks for it (Llama, Gemma; not Qwen, whose files name
 * a BOS they never use) and when the template did not already start with it.
 */
export function chatPromptTokens(model: ChatTokenizer, segments: readonly ChatSegment[]): number[] {
  const ids = model.tokenizeSegments(segments, { addBos: false });
  const bos = model.info.bosTokenId;
  return model.info.addBosToken && bos !== null && ids[0] !== bos ? [bos, ...ids] : ids;
}
