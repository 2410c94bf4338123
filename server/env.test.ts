import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("parseEnv", () => {
  it("fills in the defaults", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, LOG_LEVEL: "info" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ARBITER_DATA_DIR).toBe(path.resolve("data"));
  });

  it("treats empty variables as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", ARBITER_DATA_DIR: " " }).DATABASE_URL).toBeUndefined();
  });

  it("names each malformed variable in one message", () => {
    expect(() =>
      parseEnv({
        PORT: "eighty",
        DATABASE_URL: "mysql://x",
        ARBITER_ADMIN_PASSWORD: "short",
        NEXTAUTH_SECRET: "tiny",
      }),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /PORT must be a number[\s\S]*DATABASE_URL must be a postgres: or postgresql:\/\/ URL[\s\S]*NEXTAUTH_SECRET must be at least 32[\s\S]*ARBITER_ADMIN_PASSWORD must be 10 to 200/,
        ),
      }),
    );
  });

  it("rejects a malformed admin email", () => {
    expect(() => parseEnv({ ARBITER_ADMIN_EMAIL: "not-an-email" })).toThrow(
      /ARBITER_ADMIN_EMAIL must be an email address/,
    );
  });

  it("reads the inference settings", () => {
    const env = parseEnv({ MODEL_PATH: "models/llama.gguf", INFERENCE_THREADS: "4", INFERENCE_URL: "" });
    expect(env.MODEL_PATH).toBe(path.resolve("models/llama.gguf"));
    expect(env.INFERENCE_THREADS).toBe(4);
    expect(env.INFERENCE_URL).toBeUndefined();
    expect(parseEnv({ INFERENCE_THREADS: " " }).INFERENCE_THREADS).toBeUndefined();
    expect(() => parseEnv({ INFERENCE_THREADS: "0" })).toThrow(/INFERENCE_THREADS must be between 1 and 256/);
    expect(() => parseEnv({ INFERENCE_URL: "ftp://x" })).toThrow(
      /INFERENCE_URL must be a http: or https:\/\/ URL/,
    );
  });
});
