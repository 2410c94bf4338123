// Writes the Gemma 3-style tokenizer (tokenizer.json, tokenizer_config.json with Gemma 3's chat
// template) of inference/src/testing/gemma-vocab-fixture.ts into the folder named by the first
// argument. model-families.spec.ts runs this with tsx: the fixture reads Gemma's template
// through import.meta, which Playwright's test loader cannot compile.
import { gemmaStyleTokenizer, writeGemmaStyleTokenizer } from "../inference/src/testing/gemma-vocab-fixture";

writeGemmaStyleTokenizer(process.argv[2]!, gemmaStyleTokenizer()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
