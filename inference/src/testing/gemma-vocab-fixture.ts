// A SentencePiece-BPE tokenizer.json of Gemma 3's kind, for tests that must not ship Gemma's
// own 262k-piece vocabulary (its npm package installs 242 MB). It keeps what makes Gemma's
// tokenizer Gemma's: the layout of ids 0-493 (<pad> <eos> <bos> <unk> special; <mask>,
// [multimodal], <unused0>-<unused98> added but not special; <start_of_turn> <end_of_turn>
// special; newline runs, ▁ runs and HTML tags such as <s> and </s> as user-defined added
// tokens; the byte pieces <0x00>-<0xFF>), its normalizer (spaces become ▁, none is prepended),
// byte fallback, single digits, and tokenizer_config.json (BOS added, EOS <end_of_turn>, the
// chat template of google/gemma-3-*-it). The pieces are learned by BPE from the test text
// corpus, and the merge list is written as Hugging Face's SentencePiece extractor writes
// Gemma's: every split of a piece into two pieces, pieces in the order they were learned, the
// ▁ runs first (the order make-model's converter turns into scores).

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { GEMMA3_CHAT_TEMPLATE } from "./chat-templates";
import { TOKENIZER_CORPUS, VARIED_TEXTS } from "./text-corpus";

const SPACE = "\u2581"; // ▁

/** Ids of the tokens tests look for (the same as in Gemma 3's vocabulary). */
export const GEMMA_TOKENS = {
  pad: 0,
  eos: 1,
  bos: 2,
  unk: 3,
  unused0: 6,
  startOfTurn: 105,
  endOfTurn: 106, // EOS of the instruction-tuned models
  newline: 107, // "\n", user-defined: split out of any text
  twoSpaces: 138, // "▁▁", user-defined
  // "</s>", user-defined here; llama.cpp makes it a control token ending generation (its list
  // of end-of-generation texts has it for PaddleOCR)
  closingS: 212,
  firstByte: 238, // <0x00>
  firstPiece: 494,
} as const;

// The HTML tags Gemma's vocabulary has as user-defined tokens: each group's opening tags, then
// its closing ones.
const HTML_TAGS = [
  "table caption thead tbody tfoot tr th td",
  "h1 h2 h3 h4 h5 h6 blockquote",
  "strong em b i u s sub sup code",
  "a html body img span bbox ul li div iframe footer",
].flatMap((group) => {
  const names = group.split(" ");
  return [...names.map((n) => `<${n}>`), ...names.map((n) => `</${n}>`)];
});

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

/** Gemma 3's added tokens 0-237. */
function addedTokens(): AddedToken[] {
  const texts = [
    ...["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "[multimodal]"],
    ...Array.from({ length: 99 }, (_, i) => `<unused${i}>`),
    ...["<start_of_turn>", "<end_of_turn>"],
    ...Array.from({ length: 31 }, (_, i) => "\n".repeat(i + 1)),
    ...Array.from({ length: 30 }, (_, i) => SPACE.repeat(i + 2)),
    ...HTML_TAGS,
  ];
  const special = new Set(["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]);
  return texts.map((content, id) => ({ id, content, special: special.has(content) }));
}

const bytePiece = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;

/** Words as SentencePiece splits them for training: a ▁ starts one; newlines are added tokens. */
function trainingWords(): Map<string, number> {
  const words = new Map<string, number>();
  // Not the special-token look-alikes: llama.cpp ends generation at any token spelled like
  // <|im_end|> or <|endoftext|>, and Gemma's vocabulary has no such piece.
  const corpus = Object.entries(TOKENIZER_CORPUS).filter(([kind]) => kind !== "special-token look-alikes");
  for (const text of [...corpus.flatMap(([, texts]) => texts), ...VARIED_TEXTS]) {
    for (const line of text.split("\n")) {
      for (const word of line.replaceAll(" ", SPACE).split(/(?=\u2581)/u)) {
        if (word !== "") words.set(word, (words.get(word) ?? 0) + 1);
      }
    }
  }
  return words;
}

/**
 * BPE training: characters seen at least twice are pieces (rarer ones fall back to bytes), then
 * the most frequent adjacent pair is merged while it occurs at least twice. Digits are never
 * merged (Gemma splits digits).
 */
function learnPieces(
  maxMerges: number,
  addedTexts: readonly string[],
): { characters: string[]; learned: string[] } {
  const words = [...trainingWords()].map(([word, count]) => ({ symbols: [...word], count }));
  const characterCounts = new Map<string, number>();
  for (const { symbols, count } of words)
    for (const c of symbols) characterCounts.set(c, (characterCounts.get(c) ?? 0) + count);
  const characters = [...characterCounts]
    .filter(([c, n]) => n >= 2 && !addedTexts.includes(c))
    .map(([c]) => c);
  // llama.cpp merges two pieces into any token their text makes, added ones included: no piece
  // may be an added token's text or a start or end of one ("</s" + ">" would make the control
  // token </s> out of plain text).
  const reserved = new Set(
    addedTexts.flatMap((text) => {
      const chars = [...text];
      return chars.flatMap((_, i) => [chars.slice(0, i + 1).join(""), chars.slice(i).join("")]);
    }),
  );
  const known = new Set(characters);
  const mergeable = (piece: string) => known.has(piece) && !/\p{N}/u.test(piece);
  const learned: string[] = [];
  while (learned.length < maxMerges) {
    const pairs = new Map<string, { left: string; right: string; count: number }>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const [left, right] = [symbols[i]!, symbols[i + 1]!];
        if (!mergeable(left) || !mergeable(right) || reserved.has(left + right)) continue;
        const key = `${left}\u0000${right}`;
        const pair = pairs.get(key) ?? { left, right, count: 0 };
        pair.count += count;
        pairs.set(key, pair);
      }
    }
    let best: { left: string; right: string; count: number } | undefined;
    for (const pair of pairs.values()) if (!best || pair.count > best.count) best = pair;
    if (!best || best.count < 2) break;
    const piece = best.left + best.right;
    if (!known.has(piece)) {
      known.add(piece);
      learned.push(piece);
    }
    for (const word of words) {
      const merged: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === best.left && word.symbols[i + 1] === best.right) {
          merged.push(piece);
          i++;
        } else merged.push(word.symbols[i]!);
      }
      word.symbols = merged;
    }
  }
  return { characters, learned };
}

/** Every split of `piece` into two pieces of `vocab`, as "left right" pairs. */
function splits(piece: string, vocab: Record<string, number>): [string, string][] {
  const chars = [...piece];
  const out: [string, string][] = [];
  for (let i = 1; i < chars.length; i++) {
    const [left, right] = [chars.slice(0, i).join(""), chars.slice(i).join("")];
    if (left in vocab && right in vocab) out.push([left, right]);
  }
  return out;
}

export interface GemmaStyleTokenizer {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** The learned pieces in learning order (ids from GEMMA_TOKENS.firstPiece). */
  learned: string[];
}

/** The tokenizer.json and tokenizer_config.json of the Gemma-style vocabulary. */
export function gemmaStyleTokenizer(maxMerges = 1500): GemmaStyleTokenizer {
  const added = addedTokens();
  const { characters, learned } = learnPieces(
    maxMerges,
    added.map((t) => t.content),
  );
  const pieces = [
    ...added.map((t) => t.content),
    ...Array.from({ length: 256 }, (_, b) => bytePiece(b)),
    ...learned,
    ...characters,
  ];
  const vocab: Record<string, number> = {};
  pieces.forEach((piece, id) => (vocab[piece] = id));
  const spaceRuns = added.filter((t) => t.content.startsWith(SPACE)).map((t) => t.content);
  const merges = [...spaceRuns.reverse(), ...learned].flatMap((piece) => splits(piece, vocab));
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added.map((t) => ({
      ...t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
    })),
    normalizer: { type: "Replace", pattern: { String: " " }, content: SPACE },
    pre_tokenizer: { type: "Split", pattern: { String: " " }, behavior: "MergedWithPrevious", invert: false },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<bos>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<bos>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<bos>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<bos>": { id: "<bos>", ids: [GEMMA_TOKENS.bos], tokens: ["<bos>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: SPACE }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const tokenizerConfig = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: "<bos>",
    eos_token: "<end_of_turn>",
    pad_token: "<pad>",
    unk_token: "<unk>",
    chat_template: GEMMA3_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    spaces_between_special_tokens: false,
    tokenizer_class: "GemmaTokenizer",
  };
  return { tokenizerJson, tokenizerConfig, learned };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir`; returns tokenizer.json's path. */
export async function writeGemmaStyleTokenizer(dir: string, tokenizer: GemmaStyleTokenizer): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "tokenizer.json"), JSON.stringify(tokenizer.tokenizerJson));
  await writeFile(join(dir, "tokenizer_config.json"), JSON.stringify(tokenizer.tokenizerConfig));
  return join(dir, "tokenizer.json");
}
