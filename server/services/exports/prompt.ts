// The prompt of a turn as trainers see it: the system prompt, every earlier turn (the user's
// message and the response chosen for it) and the turn's user message. The safety preprompt is
// either stripped — context distillation (Llama 2 §4.2.4): train on answers generated with the
// preprompt, as if they had been given without it — or kept exactly as it was sent.
import type { PrepromptMode } from "./options";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface EarlierTurn {
  userMessage: string;
  /** The chosen response of that turn; null when none was chosen (the turn is left out). */
  assistantMessage: string | null;
}

export interface PromptSource {
  systemPrompt: string | null;
  safetyPreprompt: string | null;
  history: readonly EarlierTurn[];
  userMessage: string;
  /** responses.prompt_messages of the turn: what the model was sent. */
  sentMessages: readonly ChatMessage[] | null;
}

/**
 * "strip" (and any dialogue without a preprompt): system prompt + history + user message,
 * rebuilt from the dialogue, so whatever way generation combined the preprompt with the system
 * prompt (prefixed to it, or a message of its own) it is not in the result. "keep": the messages
 * exactly as they were sent to the model, preprompt included.
 */
export function buildPrompt(source: PromptSource, mode: PrepromptMode): ChatMessage[] {
  if (mode === "keep" && source.safetyPreprompt && source.sentMessages?.length) {
    return source.sentMessages.map(({ role, content }) => ({ role, content }));
  }
  const messages: ChatMessage[] = [];
  // Trimmed, as generation sends it (server/services/annotation/start-turn.ts).
  const system = source.systemPrompt?.trim();
  if (system) messages.push({ role: "system", content: system });
  for (const turn of source.history) {
    if (turn.assistantMessage === null) continue;
    messages.push(
      { role: "user", content: turn.userMessage },
      { role: "assistant", content: turn.assistantMessage },
    );
  }
  messages.push({ role: "user", content: source.userMessage });
  return messages;
}
