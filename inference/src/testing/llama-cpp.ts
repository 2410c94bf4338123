// llama.cpp as the reference tokenizer in tests: node-llama-cpp's prebuilt CPU binary (a
// devDependency) reading a GGUF's vocabulary only, the same file the engine loads.

export interface LlamaCppVocabulary {
  /** common_tokenize without BOS; `special` parses control tokens written in the text. */
  tokenize(text: string, special: boolean): number[];
  isEogToken(token: number): boolean;
  tokens: { bos: number | null; eos: number | null; eot: number | null; shouldPrependBosToken: boolean };
  dispose(): Promise<void>;
}

interface LlamaCppModel extends Omit<LlamaCppVocabulary, "dispose"> {
  dispose(): Promise<void>;
}

export async function loadLlamaCppVocabulary(path: string): Promise<LlamaCppVocabulary> {
  const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const model = (await llama.loadModel({
    modelPath: path,
    vocabOnly: true,
    gpuLayers: 0,
  })) as unknown as LlamaCppModel;
  return {
    tokenize: (text, special) => model.tokenize(text, special),
    isEogToken: (token) => model.isEogToken(token),
    tokens: model.tokens,
    dispose: async () => {
      await model.dispose();
      await llama.dispose();
    },
  };
}
