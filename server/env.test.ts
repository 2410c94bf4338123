import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvSchema, parseEnv, readVariantApiKey, VARIANT_KEY_PREFIX } from "./env";

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

  it("trusts no proxy hop unless told, and names ARBITER_TRUSTED_PROXY_HOPS when it is malformed", () => {
    expect(parseEnv({}).ARBITER_TRUSTED_PROXY_HOPS).toBe(0);
    expect(parseEnv({ ARBITER_TRUSTED_PROXY_HOPS: "1" }).ARBITER_TRUSTED_PROXY_HOPS).toBe(1);
    expect(() => parseEnv({ ARBITER_TRUSTED_PROXY_HOPS: "-1" })).toThrow(
      /ARBITER_TRUSTED_PROXY_HOPS must be between 0 and 10/,
    );
  });

  it("reads the shutdown grace and the model idle timeout, and names them when malformed", () => {
    expect(parseEnv({}).ARBITER_SHUTDOWN_GRACE_SECONDS).toBe(30);
    expect(parseEnv({}).ARBITER_MODEL_IDLE_TIMEOUT_SECONDS).toBe(60);
    expect(parseEnv({ ARBITER_SHUTDOWN_GRACE_SECONDS: "0" }).ARBITER_SHUTDOWN_GRACE_SECONDS).toBe(0);
    expect(() => parseEnv({ ARBITER_SHUTDOWN_GRACE_SECONDS: "soon" })).toThrow(
      /ARBITER_SHUTDOWN_GRACE_SECONDS must be a number/,
    );
    expect(() => parseEnv({ ARBITER_MODEL_IDLE_TIMEOUT_SECONDS: "0" })).toThrow(
      /ARBITER_MODEL_IDLE_TIMEOUT_SECONDS must be between 1 and 3600/,
    );
  });

  it("reads how long a generation may go without saved progress, and names it when malformed", () => {
    expect(parseEnv({}).ARBITER_STALE_GENERATION_SECONDS).toBe(20);
    expect(parseEnv({ ARBITER_STALE_GENERATION_SECONDS: "8" }).ARBITER_STALE_GENERATION_SECONDS).toBe(8);
    expect(() => parseEnv({ ARBITER_STALE_GENERATION_SECONDS: "1" })).toThrow(
      /ARBITER_STALE_GENERATION_SECONDS must be between 5 and 3600/,
    );
  });

  it("reads how many background jobs an instance runs at once, 0 for none", () => {
    expect(parseEnv({}).ARBITER_JOB_CONCURRENCY).toBe(1);
    expect(parseEnv({ ARBITER_JOB_CONCURRENCY: "0" }).ARBITER_JOB_CONCURRENCY).toBe(0);
    expect(() => parseEnv({ ARBITER_JOB_CONCURRENCY: "1.5" })).toThrow(
      /ARBITER_JOB_CONCURRENCY must be a whole number/,
    );
  });

  it("reads how many days finished jobs are kept, and names it when out of range", () => {
    expect(parseEnv({}).ARBITER_JOB_RETENTION_DAYS).toBe(30);
    expect(parseEnv({ ARBITER_JOB_RETENTION_DAYS: "2.5" }).ARBITER_JOB_RETENTION_DAYS).toBe(2.5);
    expect(() => parseEnv({ ARBITER_JOB_RETENTION_DAYS: "0" })).toThrow(
      /ARBITER_JOB_RETENTION_DAYS must be between 1 and 3650/,
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

  it("reads the operator's outbound allow list, naming the variable for a bad entry", () => {
    expect(parseEnv({}).ARBITER_OUTBOUND_ALLOW).toEqual([]);
    expect(parseEnv({ ARBITER_OUTBOUND_ALLOW: "10.0.0.0/8, vllm.internal" }).ARBITER_OUTBOUND_ALLOW).toEqual([
      "10.0.0.0/8",
      "vllm.internal",
    ]);
    expect(() => parseEnv({ ARBITER_OUTBOUND_ALLOW: "http://vllm:8000" })).toThrow(
      /ARBITER_OUTBOUND_ALLOW: "http:\/\/vllm:8000" is not a host name, IP address or CIDR range/,
    );
  });
});

describe("readVariantApiKey", () => {
  it("reads no variable outside the ARBITER_KEY_ prefix, and none of Arbiter's own settings", () => {
    expect(Object.keys(EnvSchema.shape).filter((name) => name.startsWith(VARIANT_KEY_PREFIX))).toEqual([]);
    const before = process.env.NEXTAUTH_SECRET;
    process.env.NEXTAUTH_SECRET = "a session secret that a variant must never read";
    process.env.ARBITER_KEY_ENV_TEST = " the key ";
    try {
      expect(readVariantApiKey("NEXTAUTH_SECRET")).toBeUndefined();
      expect(readVariantApiKey("ARBITER_KEY_ENV_TEST")).toBe("the key");
    } finally {
      if (before === undefined) delete process.env.NEXTAUTH_SECRET;
      else process.env.NEXTAUTH_SECRET = before;
      delete process.env.ARBITER_KEY_ENV_TEST;
    }
  });
});
