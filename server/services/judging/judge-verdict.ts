// The judge's prompt and verdict: the default template (after MT-Bench's pairwise judge, Zheng et
// al. 2023, with the verdict as JSON instead of "[[A]]"), the default verdict schema sent as
// response_format, and how the two verdicts of one comparison (the responses shown in both
// orders, against position bias) combine into one.
import { z } from "zod";
import type { JudgeVerdictRun } from "@/db/schema";
import { STRENGTHS, type Strength } from "@/lib/constants";

export const DEFAULT_JUDGE_PROMPT = `Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. You should choose the assistant that follows the user's instructions and answers the user's question better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible.

Answer with a JSON object: "winner" is "A" if assistant A is better, "B" if assistant B is better, "tie" if neither is; "strength" says how much better the winner is (significantly_better, better, slightly_better or negligibly_better); "rationale" is a short explanation.

[User Question]
{question}

[The Start of Assistant A's Answer]
{answer_a}
[The End of Assistant A's Answer]

[The Start of Assistant B's Answer]
{answer_b}
[The End of Assistant B's Answer]`;

/** Placeholders a template must contain. */
export const JUDGE_PROMPT_PLACEHOLDERS = ["{question}", "{answer_a}", "{answer_b}"] as const;

/** Bounded strings and enums: an engine's constrained decoding then always completes in budget. */
export const DEFAULT_VERDICT_SCHEMA = {
  type: "object",
  properties: {
    winner: { type: "string", enum: ["A", "B", "tie"] },
    strength: { type: "string", enum: [...STRENGTHS] },
    rationale: { type: "string", maxLength: 600 },
  },
  required: ["winner", "strength", "rationale"],
  additionalProperties: false,
} as const;

/** What is read from the judge's answer; the schema an admin sets may ask for more. */
export const Verdict = z.object({
  winner: z.enum(["A", "B", "tie"]),
  strength: z.enum(STRENGTHS),
  rationale: z.string().max(4000).catch(""),
});
export type Verdict = z.infer<typeof Verdict>;

export interface JudgeQuestion {
  /** The conversation the responses answer (system messages left out: the judge sees the task). */
  messages: { role: "system" | "user" | "assistant"; content: string }[];
}

/** The user's question; earlier turns, when there are any, as a transcript before it. */
export function questionText(messages: JudgeQuestion["messages"]): string {
  const dialogue = messages.filter((message) => message.role !== "system");
  if (dialogue.length === 1) return dialogue[0].content;
  return dialogue
    .map((message) => `${message.role === "user" ? "User" : "Assistant"}: ${message.content}`)
    .join("\n\n");
}

/** Fills the placeholders in one pass, so text in an answer that looks like one stays as it is. */
export function renderJudgePrompt(template: string, question: string, answerA: string, answerB: string) {
  const values: Record<string, string> = { question, answer_a: answerA, answer_b: answerB };
  return template.replace(/\{(question|answer_a|answer_b)\}/g, (_, name: string) => values[name]);
}

/** The judge's text as a verdict, or null when it is not one. */
export function parseVerdict(text: string): Verdict | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const verdict = Verdict.safeParse(value);
  return verdict.success ? verdict.data : null;
}

export type CombinedVerdict =
  | { outcome: "winner"; winnerResponseId: string; strength: Strength; rationale: string }
  | { outcome: "unsure"; winnerResponseId: null; strength: null; rationale: string };

const strengthRank = (strength: Strength) => STRENGTHS.indexOf(strength);

/**
 * Both orders must name the same response; otherwise (a position-biased judge, or a tie in either)
 * the comparison is "unsure". The strength is the weaker of the two: the judge is only as sure as
 * its less sure reading.
 */
export function combineVerdicts(runs: [JudgeVerdictRun, JudgeVerdictRun]): CombinedVerdict {
  const winners = runs.map((run) => (run.winner === "tie" ? null : run.order[run.winner === "A" ? 0 : 1]));
  const rationale = runs[0].rationale;
  if (winners[0] === null || winners[0] !== winners[1]) {
    return { outcome: "unsure", winnerResponseId: null, strength: null, rationale };
  }
  const strength =
    strengthRank(runs[0].strength) >= strengthRank(runs[1].strength) ? runs[0].strength : runs[1].strength;
  return { outcome: "winner", winnerResponseId: winners[0], strength, rationale };
}
