import llamaTokenizer from "llama-tokenizer-js";
import { beforeAll, describe, expect, it } from "vitest";

import {
  llama2Vocabulary,
  SMALL_VOCABULARY_MIN,
  smallVocabulary,
  type SpmVocabulary,
  TOKEN_TYPE,
} from "./llama-vocab";
import { SpmTokenizer } from "./testing/spm-tokenizer";
import { LLAMA2_VECTORS, randomTexts, VARIED_TEXTS } from "./testing/text-corpus";

describe("llama2Vocabulary", () => {
  let vocab: SpmVocabulary;
  let tokenizer: SpmTokenizer;
  beforeAll(async () => {
    vocab = await llama2Vocabulary();
    tokenizer = new SpmTokenizer(vocab);
  });

  it("has Llama 2's ids and token types", () => {
    expect(vocab.tokens.length).toBe(32000);
    expect(vocab.tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(vocab.types.slice(0, 4)).toEqual([
      TOKEN_TYPE.unknown,
      TOKEN_TYPE.control,
      TOKEN_TYPE.control,
      TOKEN_TYPE.byte,
    ]);
    expect(vocab.tokens[13]).toBe("<0x0A>");
    expect(vocab.types[258]).toBe(TOKEN_TYPE.byte);
    expect(vocab.types[259]).toBe(TOKEN_TYPE.normal);
    expect(vocab.tokens[15043]).toBe("▁Hello");
    expect(vocab.tokens[29871]).toBe("▁");
    expect([vocab.unkId, vocab.bosId, vocab.eosId]).toEqual([0, 1, 2]);
  });

  it.each(LLAMA2_VECTORS)("tokenizes %j as Llama 2 does", (text, ids) => {
    expect(tokenizer.encode(text)).toEqual(ids);
  });

  it("merges by score exactly as llama-tokenizer-js merges by rank", () => {
    const texts = [...VARIED_TEXTS, ...randomTexts(1500, 11)];
    for (const text of texts) {
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(llamaTokenizer.encode(text, false, true));
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });
});

describe("smallVocabulary", () => {
  it("has exactly the requested size, every piece reachable by merges, and round-trips text", async () => {
    const vocab = await smallVocabulary(2000);
    expect(vocab.tokens.length).toBe(2000);
    expect(new Set(vocab.tokens).size).toBe(2000);
    const tokenizer = new SpmTokenizer(vocab);
    // Each normal piece tokenizes to itself: it is reachable through merges of smaller pieces.
    for (let id = 259; id < vocab.tokens.length; id++) {
      const text = vocab.tokens[id]!.replaceAll("▁", " ");
      expect(tokenizer.encode(text, { addSpacePrefix: false }), vocab.tokens[id]).toEqual([id]);
    }
    for (const text of [...VARIED_TEXTS, ...randomTexts(300, 5)])
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    // Common English comes out as word pieces, not characters.
    const english = "the quick brown fox jumps over the lazy dog and then the cat";
    expect(tokenizer.encode(english).length).toBeLessThan(english.length / 2);
  });

  it("rejects sizes it cannot fill", async () => {
    await expect(smallVocabulary(SMALL_VOCABULARY_MIN - 1)).rejects.toThrow(/at least 354/);
    await expect(smallVocabulary(30000)).rejects.toThrow(/--vocab-from llama2/);
    expect((await smallVocabulary(SMALL_VOCABULARY_MIN)).tokens.length).toBe(SMALL_VOCABULARY_MIN);
  });
});
