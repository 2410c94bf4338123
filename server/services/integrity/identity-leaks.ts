// Identity leaks: a response that names a model, a model family or a vendor (so the annotator
// can tell which model answered), and a prompt that asks the model who it is (FastChat issue
// 3441: users unmask models by asking). Matching is case-insensitive and on word boundaries, so
// "Claude" matches and "claudette" or "palmtree" do not.

/** Model families and vendors, as people and models write them. */
export const IDENTITY_TERMS = [
  "ChatGPT",
  "GPT-3",
  "GPT-3.5",
  "GPT-4",
  "GPT-4o",
  "GPT",
  "OpenAI",
  "Claude",
  "Anthropic",
  "Gemini",
  "Bard",
  "PaLM",
  "Google DeepMind",
  "DeepMind",
  "Llama",
  "Llama 2",
  "Llama 3",
  "Meta AI",
  "Mistral",
  "Mistral AI",
  "Mixtral",
  "Qwen",
  "Alibaba Cloud",
  "DeepSeek",
  "Gemma",
  "Phi-3",
  "Grok",
  "xAI",
  "Cohere",
  "Command R",
  "Falcon",
  "Vicuna",
  "Yi",
  "01.AI",
  "Zephyr",
  "Hugging Face",
  "Copilot",
  "Bing Chat",
  "Ernie Bot",
  "Baidu",
  "Moonshot",
  "Kimi",
  "Zhipu",
  "ChatGLM",
];

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One pattern for a list of names: each name matched whole, not inside a longer word. Names of
 * one or two characters ("Yi") are matched case-sensitively, where they are less ambiguous. */
export function identityMatcher(names: readonly string[]) {
  const cleaned = [...new Set(names.map((name) => name.trim()).filter((name) => name.length > 0))];
  // Longest first, so "Llama 2" wins over "Llama" in the reported match.
  cleaned.sort((a, b) => b.length - a.length);
  const short = cleaned.filter((name) => name.length <= 2);
  const long = cleaned.filter((name) => name.length > 2);
  const wrap = (list: string[], flags: string) =>
    list.length === 0
      ? null
      : new RegExp(
          `(?<![\\p{L}\\p{N}_-])(?:${list.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}_]|-\\p{L})`,
          flags,
        );
  const patterns = [wrap(long, "iu"), wrap(short, "u")].filter((pattern) => pattern !== null);
  return (text: string): string | null => {
    for (const pattern of patterns) {
      const match = pattern.exec(text);
      if (match) return match[0];
    }
    return null;
  };
}

/** The names a campaign's variants go by: their names and model ids, and the family part of a
 * model id ("org/arbiter-rlhf-13b" → "arbiter") when it is long enough to be a name rather than a
 * size. Display names are matched whole only: "local @ 0.7" must not make "local" a leak. */
export function variantNames(variants: readonly { name: string; model: string }[]): string[] {
  const names = new Set<string>();
  for (const variant of variants) {
    names.add(variant.name);
    const model = variant.model.split("/").pop()!;
    names.add(variant.model);
    names.add(model);
    const family = model.split(/[-_:.\s]/)[0];
    if (family.length >= 4 && !/\d/.test(family)) names.add(family);
  }
  return [...names].filter((name) => name.trim().length > 0);
}

const IDENTITY_QUESTIONS = [
  /\bwho\s+(?:are|r)\s+(?:you|u)\b/i,
  /\bwhat\s+(?:are\s+you|is\s+your\s+name|model\s+are\s+you|(?:ai|llm|language\s+model)\s+are\s+you)\b/i,
  /\bwhat(?:'s|\s+is)\s+your\s+(?:name|model|version)\b/i,
  /\bwhich\s+(?:model|ai|llm|language\s+model|company|version)\b[^.?!]*\b(?:you|your)\b/i,
  /\bwho\s+(?:made|created|built|trained|developed|owns)\s+you\b/i,
  /\bare\s+you\s+(?:gpt|chatgpt|claude|gemini|bard|llama|mistral|an?\s+openai|made\s+by)\b/i,
];

/** The words with which a prompt asks the model to say who it is, or null. */
export function identityQuestion(prompt: string): string | null {
  for (const pattern of IDENTITY_QUESTIONS) {
    const match = pattern.exec(prompt);
    if (match) return match[0];
  }
  return null;
}
