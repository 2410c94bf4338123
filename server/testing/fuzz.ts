// Hostile inputs for the fuzz test of every public input: random JSON of every type, values
// shaped like a procedure's input schema with one part made hostile, oversized and deeply
// nested values, prototype-pollution keys, broken superjson envelopes, non-JSON bodies and
// malformed requests. Seeded, so a failing run replays from the seed it prints.
import { z } from "zod";
import { KB, MB } from "@/server/api/body-limit";
import { seededRandom, type Random } from "@/server/services/quality/stats/random";

/** The subset of JSON Schema (as z.toJSONSchema writes it) that plausible values follow. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** Keys that reach Object.prototype when code copies them naively. */
const POLLUTION_KEYS = ["__proto__", "constructor", "prototype"];

/** Strings that have broken parsers, SQL and number coercion elsewhere. */
const ODD_STRINGS = [
  "",
  " ",
  "NaN",
  "-NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e308",
  "1e309",
  "0x10",
  "9223372036854775808",
  "-1",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff\ud800",
  "\u202e\u2066",
  "🙂".repeat(40),
  "' OR '1'='1' --",
  "'; drop table users; --",
  "$1",
  "%s%s%s%n",
  "../../../../etc/passwd",
  "file:///etc/passwd",
  "http://169.254.169.254/latest/meta-data/",
  "<script>alert(1)</script>",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "00000000-0000-0000-0000-00000000000",
  "{00000000-0000-0000-0000-000000000000}",
  "not-a-uuid",
  "2024-02-30T25:61:61Z",
  "__proto__",
  "constructor",
];

/** Numbers at the edges: JSON cannot carry NaN or Infinity, so their strings go in ODD_STRINGS. */
const ODD_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  1e-320,
  1e308,
  -1e308,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 63,
  Number.MAX_VALUE,
  Number.MIN_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER,
];

const SUPERJSON_TYPES = [
  "undefined",
  "bigint",
  "Date",
  "regexp",
  "set",
  "map",
  "Error",
  "number",
  "symbol",
  "class",
  "custom",
  "typed-array",
];

export class Fuzzer {
  private readonly random: Random;

  /** knownIds: ids of rows that exist, so some inputs get past "not found" into the service. */
  constructor(
    readonly seed: number,
    private readonly knownIds: readonly string[] = [],
  ) {
    this.random = seededRandom(seed);
  }

  /** A generator of its own for one part of a run, so that part replays alone (vitest -t). */
  fork(name: string) {
    let hash = this.seed;
    for (const character of name) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193);
    return new Fuzzer(hash >>> 0, this.knownIds);
  }

  int(below: number) {
    return Math.floor(this.random() * below);
  }

  chance(probability: number) {
    return this.random() < probability;
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }

  private uuid() {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${this.pick(["8", "9", "a", "b"])}${hex.slice(17, 20)}-${hex.slice(20)}`;
  }

  /** An id that parses as a uuid: one of a real row, or a random one. */
  id() {
    return this.knownIds.length > 0 && this.chance(0.4) ? this.pick(this.knownIds) : this.uuid();
  }

  private text(length: number) {
    const alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,-_'\"\\/{}[]<>é中🙂";
    const characters = [...alphabet];
    return Array.from({ length }, () => this.pick(characters)).join("");
  }

  /** A large string: repeated, since its content matters less than its size. */
  private hugeString() {
    const size = this.pick([100 * KB, 100 * KB, 2 * MB]);
    return this.text(16)
      .repeat(Math.ceil(size / 16))
      .slice(0, size);
  }

  private oddString() {
    return this.chance(0.15) ? this.hugeString() : this.chance(0.3) ? this.id() : this.pick(ODD_STRINGS);
  }

  private oddNumber() {
    return this.chance(0.7) ? this.pick(ODD_NUMBERS) : (this.random() - 0.5) * 10 ** this.int(20);
  }

  /** Any JSON value, nested up to a few levels. */
  value(depth = 0): unknown {
    const kinds = depth > 3 ? 4 : 7;
    switch (this.int(kinds)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.oddNumber();
      case 3:
        return this.oddString();
      case 4:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      case 5:
        return this.object(depth);
      default:
        return this.hostile();
    }
  }

  private object(depth: number) {
    const entries: [string, unknown][] = Array.from({ length: this.int(4) }, () => [
      this.chance(0.3) ? this.pick(POLLUTION_KEYS) : this.text(1 + this.int(8)),
      this.value(depth + 1),
    ]);
    return Object.fromEntries(entries);
  }

  /** Values built to hurt: big, deep, wide, or aimed at Object.prototype. */
  private hostile(): unknown {
    switch (this.int(6)) {
      case 0:
        return this.hugeString();
      case 1:
        return Array.from({ length: 10_000 }, (_, index) => (this.chance(0.5) ? index : this.id()));
      case 2:
        return this.deeplyNested(this.pick([100, 1_000]));
      case 3:
        return JSON.parse(
          `{"__proto__": {"polluted": "yes", "role": "admin"}, "constructor": {"prototype": {"polluted": "yes"}}}`,
        ) as unknown;
      case 4:
        return this.oddNumber();
      default:
        return this.oddString();
    }
  }

  private deeplyNested(depth: number) {
    let value: unknown = this.chance(0.5) ? this.id() : this.oddNumber();
    for (let level = 0; level < depth; level++) value = this.chance(0.5) ? [value] : { a: value };
    return value;
  }

  /** A value that follows the schema (as far as a JSON Schema says), so it reaches the service. */
  private plausible(schema: JsonSchema, depth = 0): unknown {
    const choices = schema.anyOf ?? schema.oneOf;
    if (choices?.length) return this.plausible(this.pick(choices), depth);
    if (schema.allOf?.length) return this.plausible(schema.allOf[0], depth);
    if (schema.const !== undefined) return schema.const;
    if (schema.enum?.length) return this.pick(schema.enum);
    const type = Array.isArray(schema.type) ? this.pick(schema.type) : schema.type;
    switch (type) {
      case "object": {
        const result: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          if (schema.required?.includes(key) || this.chance(0.6))
            result[key] = this.plausible(property, depth + 1);
        }
        return result;
      }
      case "array": {
        if (depth > 4 || !schema.items) return [];
        const length = Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + this.int(3));
        return Array.from({ length }, () => this.plausible(schema.items ?? {}, depth + 1));
      }
      case "string":
        if (schema.format === "uuid") return this.id();
        if (schema.format === "email") return `${this.text(6).replace(/\W/g, "x")}@example.test`;
        if (schema.format === "date-time")
          return new Date(Date.UTC(2024, 0, 1 + this.int(400))).toISOString();
        // At the limit, where the limit is one a request can carry (a 10 MB file field is not).
        if (schema.maxLength !== undefined && schema.maxLength <= 16 * KB && this.chance(0.1)) {
          return this.text(schema.maxLength);
        }
        return this.text(Math.min(schema.maxLength ?? 40, (schema.minLength ?? 0) + this.int(20)));
      case "integer":
      case "number": {
        // The bounds themselves: a page number of 2^53 - 1 is valid, and multiplies.
        const edges = [schema.minimum, schema.maximum].filter((edge) => edge !== undefined);
        if (edges.length > 0 && this.chance(0.2)) return this.pick(edges);
        const low = Math.max(schema.minimum ?? -1000, -1000);
        const high = Math.min(schema.maximum ?? 1000, 1000);
        const value = low + this.random() * (high - low);
        return type === "integer" ? Math.round(value) : value;
      }
      case "boolean":
        return this.chance(0.5);
      case "null":
        return null;
      default:
        return this.value(depth);
    }
  }

  /**
   * An input for a procedure: usually plausible with one part made hostile, sometimes anything.
   * `small` keeps out the big values, for calls sent many to a request.
   */
  input(schema: z.ZodType | undefined, { small = false } = {}): unknown {
    const json = schema && (z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema);
    if (small)
      return json && this.chance(0.7) ? this.plausible(json) : this.pick([...ODD_STRINGS, ...ODD_NUMBERS]);
    if (!json || this.chance(0.2)) return this.chance(0.5) ? this.value() : this.hostile();
    const value = this.plausible(json);
    return this.chance(0.15) ? value : this.mutate(value);
  }

  /** Replaces, removes or adds one part at a random place in the value. */
  private mutate(value: unknown): unknown {
    if (value === null || typeof value !== "object" || this.chance(0.1)) return this.hostile();
    const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as never) : { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0 || this.chance(0.15)) {
      copy[this.chance(0.5) ? this.pick(POLLUTION_KEYS) : this.text(5)] = this.hostile();
      return copy;
    }
    const key = this.pick(keys);
    if (this.chance(0.1)) delete copy[key];
    else
      copy[key] = this.chance(0.4)
        ? this.mutate(copy[key])
        : this.chance(0.5)
          ? this.hostile()
          : this.value();
    return copy;
  }

  /** A superjson envelope whose meta lies about the payload. */
  brokenEnvelope(input: unknown): unknown {
    const path = this.pick(["", "a", "0", "__proto__", "constructor.prototype", "a.__proto__.polluted"]);
    switch (this.int(5)) {
      case 0:
        return { json: input, meta: { values: { [path]: [this.pick(SUPERJSON_TYPES), this.value(2)] } } };
      case 1:
        return { json: input, meta: { values: [this.pick(SUPERJSON_TYPES)] } };
      case 2:
        return { json: input, meta: { referentialEqualities: { [path]: [this.pick(["__proto__", "a"])] } } };
      case 3:
        return { json: input, meta: this.value() };
      default:
        return { meta: { values: { "": ["undefined"] } }, ...this.object(0) };
    }
  }

  /** A body that is not the JSON it claims to be. */
  garbageBody(): string {
    switch (this.int(8)) {
      case 0:
        return "";
      case 1:
        return "{not json";
      case 2:
        return '{"json": {"a": 1}'; // truncated
      case 3:
        return `\ufeff{"json":{}}`;
      case 4:
        return this.chance(0.5) ? "[".repeat(200_000) : deepJson(this.pick([10_000, 100_000]));
      case 5:
        return String.fromCharCode(...Array.from({ length: 256 }, () => this.int(256)));
      case 6:
        return '--boundary\r\nContent-Disposition: form-data; name="json"\r\n\r\n{}\r\n--boundary--';
      default:
        return this.pick(["null", "0", '"json"', "true", "[]", "1e999"]);
    }
  }
}

/** Valid JSON nested deeper than any recursive walker's stack: built as text, as JSON.stringify would overflow too. */
function deepJson(depth: number) {
  return `{"json":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`;
}

/** The seed of a run: fixed by default, so CI runs the same requests every time; a number replays
 * that seed, and "random" explores a fresh one (printed, so a failure can be replayed). */
export const DEFAULT_FUZZ_SEED = 20261206;
export function fuzzSeed(requested: string | undefined) {
  if (requested === "random") return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(requested);
  return requested && Number.isInteger(seed) ? seed : DEFAULT_FUZZ_SEED;
}

/** One HTTP request to send; `chunked` sends the body as a stream without Content-Length. */
export interface FuzzRequest {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  chunked?: boolean;
}

/** Node's HTTP server refuses longer request lines (431), so longer inputs never reach a handler. */
const MAX_URL_INPUT = 16 * KB;

const CONTENT_TYPES = [
  "text/plain",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "multipart/form-data; boundary=boundary",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "application/jsonx",
];

/** The bytes a real client would send: with Content-Length, or chunked. */
export function toRequest(fuzz: FuzzRequest): Request {
  const headers = new Headers(fuzz.headers);
  if (fuzz.body === undefined) return new Request(fuzz.url, { method: fuzz.method, headers });
  const bytes = new TextEncoder().encode(fuzz.body);
  if (!fuzz.chunked) {
    headers.set("content-length", String(bytes.byteLength));
    return new Request(fuzz.url, { method: fuzz.method, headers, body: bytes });
  }
  const chunk = 64 * KB;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
  return new Request(fuzz.url, { method: fuzz.method, headers, body: stream, duplex: "half" } as RequestInit);
}

/** A hostile call of one tRPC procedure at `endpoint` (a query is a GET, a mutation a POST). */
export function trpcRequest(
  fuzzer: Fuzzer,
  endpoint: string,
  procedure: { path: string; type: string },
  schema: z.ZodType | undefined,
): FuzzRequest {
  const rightMethod = procedure.type === "query" ? "GET" : "POST";
  const method = fuzzer.chance(0.85) ? rightMethod : fuzzer.pick(["GET", "POST", "PUT", "DELETE", "PATCH"]);
  const kind = fuzzer.pick([
    "envelope",
    "envelope",
    "envelope",
    "raw",
    "broken",
    "garbage",
    "batch",
    "oversized",
  ]);
  let path = procedure.path;
  let query = "";
  let body: string;
  if (kind === "batch") {
    const size = fuzzer.pick([2, 10, 200]);
    path = Array.from({ length: size }, () => procedure.path).join(",");
    query = fuzzer.chance(0.9) ? "batch=1" : fuzzer.pick(["batch=2", "batch=1&batch=0", "batch="]);
    const inputs = fuzzer.chance(0.8)
      ? Object.fromEntries(
          Array.from({ length: size }, (_, index) => [
            fuzzer.chance(0.9) ? String(index) : fuzzer.pick(["-1", "__proto__", "999", "length"]),
            { json: fuzzer.input(schema, { small: true }) },
          ]),
        )
      : fuzzer.value();
    body = JSON.stringify(inputs);
  } else if (kind === "garbage") {
    body = fuzzer.garbageBody();
  } else if (kind === "oversized") {
    body = JSON.stringify({ json: { text: "x".repeat(fuzzer.pick([MB + 1, 2 * MB])) } });
  } else {
    const input = fuzzer.input(schema);
    const payload =
      kind === "raw" ? input : kind === "broken" ? fuzzer.brokenEnvelope(input) : { json: input };
    body = JSON.stringify(payload) ?? "";
  }
  const headers: Record<string, string> = {};
  if (method === "GET") {
    const input = fuzzer.chance(0.1)
      ? fuzzer.pick(["%E0%A4%A", "%", "{%22json%22:", "x&input=y", "%00", "%F0%9F"])
      : encodeURIComponent(body.slice(0, MAX_URL_INPUT).replace(/[\ud800-\udbff]$/, "")); // a cut pair cannot be encoded
    query = [query, `input=${input}`].filter(Boolean).join("&");
    return { label: `GET ${kind}`, method, url: `http://localhost${endpoint}/${path}?${query}`, headers };
  }
  headers["content-type"] = fuzzer.chance(0.85) ? "application/json" : fuzzer.pick(CONTENT_TYPES);
  const chunked = fuzzer.chance(0.3);
  return {
    label: `${method} ${kind} (${headers["content-type"]}, ${body.length} characters${chunked ? ", chunked" : ""})`,
    method,
    url: `http://localhost${endpoint}/${path}${query ? `?${query}` : ""}`,
    headers,
    body,
    chunked,
  };
}

/** Values for a dynamic URL segment such as a turn id. */
const ODD_SEGMENTS = [
  "",
  "..",
  "../../etc/passwd",
  "%00",
  "__proto__",
  "constructor",
  "a".repeat(10_000),
  "1",
  "-1",
  "🙂",
];

/** A hostile call of a route handler: odd dynamic segments and, for a POST, any body at all. */
export function routeRequest(
  fuzzer: Fuzzer,
  route: { method: string; url: string; params: Record<string, string | string[]> },
  schema: z.ZodType | undefined,
): { request: FuzzRequest; params: Record<string, string | string[]> } {
  const segment = () => (fuzzer.chance(0.4) ? fuzzer.id() : fuzzer.pick(ODD_SEGMENTS));
  const params = Object.fromEntries(
    Object.entries(route.params).map(([name, value]) => [
      name,
      Array.isArray(value) ? [segment()] : segment(),
    ]),
  );
  const headers: Record<string, string> = {};
  if (fuzzer.chance(0.2)) {
    headers.authorization = fuzzer.pick(["Bearer", "Bearer ", `Bearer ${"x".repeat(8 * KB)}`, "Basic Og=="]);
  }
  if (route.method === "GET" || route.method === "HEAD") {
    return {
      request: {
        label: `${route.method} ${JSON.stringify(params).slice(0, 60)}`,
        method: route.method,
        url: route.url,
        headers,
      },
      params,
    };
  }
  const kind = fuzzer.pick(["input", "input", "input", "garbage", "oversized"]);
  const body =
    kind === "garbage"
      ? fuzzer.garbageBody()
      : kind === "oversized"
        ? JSON.stringify({ message: "x".repeat(fuzzer.pick([MB + 1, 2 * MB])) })
        : (JSON.stringify(fuzzer.input(schema)) ?? "");
  headers["content-type"] = fuzzer.chance(0.8) ? "application/json" : fuzzer.pick(CONTENT_TYPES);
  const chunked = fuzzer.chance(0.3);
  return {
    request: {
      label: `${route.method} ${kind} (${headers["content-type"]}, ${body.length} characters${chunked ? ", chunked" : ""})`,
      method: route.method,
      url: route.url,
      headers,
      body,
      chunked,
    },
    params,
  };
}
