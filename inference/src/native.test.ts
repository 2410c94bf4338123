import { afterEach, describe, expect, it, vi } from "vitest";

describe("native addon loading", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("says how to build the addon when it is missing", async () => {
    vi.stubEnv("ARBITER_ADDON_PATH", "/nonexistent/arbiter.node");
    const { loadModel, cudaCompiled } = await import("./index");
    const expected = {
      code: "NATIVE_BUILD_MISSING",
      message: expect.stringContaining("npm run build:addon"),
    };
    await expect(loadModel("/tmp/any.gguf")).rejects.toMatchObject(expected);
    expect(() => cudaCompiled()).toThrow(expect.objectContaining(expected));
  });

  it("says to rebuild when the file is not a loadable addon", async () => {
    vi.stubEnv(
      "ARBITER_ADDON_PATH",
      new URL("../package.json", import.meta.url).pathname.replace("package.json", "DESIGN.md"),
    );
    const { loadNative } = await import("./native");
    expect(() => loadNative()).toThrow(
      expect.objectContaining({
        code: "NATIVE_BUILD_MISSING",
        message: expect.stringContaining("could not be loaded"),
      }),
    );
  });
});
