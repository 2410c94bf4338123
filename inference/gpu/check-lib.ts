// The TypeScript pieces gpu-check.mjs uses, bundled by prepare.sh into .gpu/check-lib.mjs (the
// GPU machine has node but no node_modules): the engine's API, the model generator and the
// float64 reference forward pass.
export { cudaCompiled, cudaDeviceCount, loadModel } from "../src/index";
export { MODEL_TYPES, makeModel } from "../src/make-model";
export { loadReferenceModel, referenceForward } from "../src/testing/reference-forward";
