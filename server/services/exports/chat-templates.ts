// Named chat templates for the `trl-text` format: the prompt is rendered with the template (as
// tokenizer.apply_chat_template would, generation prompt included) and each completion is what
// the template adds for the assistant's answer — the same split TRL makes when it applies a
// chat template to a conversational preference dataset.
import { LLAMA2_CHAT_TEMPLATE, renderChat } from "@/inference/src/chat-template";
import type { ChatTemplateName } from "./options";
import type { ChatMessage } from "./prompt";

interface NamedTemplate {
  source: string;
  bosToken: string;
  eosToken: string;
}

const CHAT_TEMPLATES: Record<ChatTemplateName, NamedTemplate> = {
  "llama-2": { source: LLAMA2_CHAT_TEMPLATE, bosToken: "<s>", eosToken: "</s>" },
  // Meta's Llama 3 Instruct template, as shipped in its tokenizer_config.json.
  "llama-3": {
    source:
      "{% set loop_messages = messages %}{% for message in loop_messages %}" +
      "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}" +
      "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
    bosToken: "<|begin_of_text|>",
    eosToken: "<|eot_id|>",
  },
  chatml: {
    source:
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
    bosToken: "",
    eosToken: "<|im_end|>",
  },
};

/** Templates such as Llama 2's take one system message: leading ones are joined. */
function mergeLeadingSystemMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  let count = 0;
  while (count < messages.length && messages[count].role === "system") count++;
  if (count <= 1) return [...messages];
  const system = messages
    .slice(0, count)
    .map((message) => message.content)
    .join("\n\n");
  return [{ role: "system", content: system }, ...messages.slice(count)];
}

export class ChatTemplateRenderer {
  private readonly template: NamedTemplate;

  constructor(readonly name: ChatTemplateName) {
    this.template = CHAT_TEMPLATES[name];
  }

  private render(messages: ChatMessage[], addGenerationPrompt: boolean) {
    return renderChat(messages, {
      template: this.template.source,
      bosToken: this.template.bosToken,
      eosToken: this.template.eosToken,
      addGenerationPrompt,
    });
  }

  /** The prompt text, and a function giving each answer's completion text after it. */
  renderPrompt(prompt: readonly ChatMessage[]) {
    const messages = mergeLeadingSystemMessages(prompt);
    const promptText = this.render(messages, true);
    const completion = (answer: string) => {
      const full = this.render([...messages, { role: "assistant", content: answer }], false);
      if (!full.startsWith(promptText)) {
        throw new Error(
          `The ${this.name} chat template does not render the answer as a continuation of the prompt.`,
        );
      }
      return full.slice(promptText.length);
    };
    return { promptText, completion };
  }
}
