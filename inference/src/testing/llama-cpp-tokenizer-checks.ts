// The tokenizer tests' comparison with llama.cpp reading the same file, shared by each vocabulary
// family's test: the token corpus with and without special tokens; prose, random and regex-edge
// texts; the end-of-generation tokens over the whole vocabulary.

import { expect, it } from "vitest";

import type { Model } from "../index";
import type { LlamaCppVocabulary } from "./llama-cpp";
import { randomTexts, regexEdgeTexts, TOKENIZER_CORPUS, VARIED_TEXTS } from "./text-corpus";

/** The engine's model and llama.cpp's view of the same file, once the test file's beforeAll loaded them. */
type Loaded = () => { model: Model; llamaCpp: LlamaCppVocabulary };

/**
 * Adds the tests that the engine tokenizes as llama.cpp does to the calling describe. `seed`:
 * the random texts' (a number) and the regex-edge texts' (a name), one per family.
 */
export function itTokenizesAsLlamaCpp(loaded: Loaded, seed: { random: number; regexEdge: string }) {
  it.each(Object.entries(TOKENIZER_CORPUS))("tokenizes %s exactly as llama.cpp does", (_kind, texts) => {
    const { model, llamaCpp } = loaded();
    for (const text of texts) {
      for (const special of [false, true]) {
        expect(model.tokenize(text, { special }), `${JSON.stringify(text)} special=${special}`).toEqual(
          llamaCpp.tokenize(text, special),
        );
      }
    }
  });

  it("tokenizes prose and random text exactly as llama.cpp does", () => {
    const { model, llamaCpp } = loaded();
    const edgeTexts = regexEdgeTexts(2000, seed.regexEdge, ["\u0085", "\uFEFF", "12345"]);
    for (const text of [...VARIED_TEXTS, ...randomTexts(300, seed.random), ...edgeTexts]) {
      expect(model.tokenize(text), JSON.stringify(text)).toEqual(llamaCpp.tokenize(text, false));
    }
  });
}

/** llama.cpp ends generation at exactly `expected` (ascending) over the whole vocabulary, and so does the engine. */
export function expectEndOfGenerationAsLlamaCpp(
  model: Model,
  llamaCpp: LlamaCppVocabulary,
  expected: readonly number[],
) {
  const llamaCppEog: number[] = [];
  for (let id = 0; id < model.info.vocabSize; id++) if (llamaCpp.isEogToken(id)) llamaCppEog.push(id);
  expect(llamaCppEog).toEqual(expected);
  expect([...model.info.endOfGenerationTokenIds].sort((a, b) => a - b)).toEqual(llamaCppEog);
}
