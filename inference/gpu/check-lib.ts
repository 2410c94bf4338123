// The TypeScript pieces gpu-check.mjs uses, bundled by prepare.sh into .gpu/check-lib.mjs (the
// GPU machine has node but no node_modules): the engine's API, the model generator and the
// float64 reference forward pass (with LoRA adapters merged).
export { cudaCompiled, cudaDeviceCount, loadModel } from "../src/index";
export { makeLoraAdapter } from "../src/lora-adapter";
export { MODEL_TYPES, makeModel } from "../src/make-model";
export {
  loadReferenceModel,
  mergeLora,
  readLoraAdapter,
  referenceForward,
} from "../src/testing/reference-forward";
