// JSON Schema -> the engine's JSON grammar (the text format of inference/engine/grammar.h).
// Compiling here keeps the schema's rules (keywords, types, error messages that name the
// keyword and where it is) in one readable place; the C++ side only matches bytes.
//
// Supported: type (one or a list), properties, required, additionalProperties (extra properties
// are never written, so true, false or a schema all hold), items, minItems, maxItems, enum,
// const, minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers),
// nested schemas without $ref, and the annotations that do not constrain (title, description,
// default, examples, $schema, $comment). Anything else is refused with a SchemaError naming
// the keyword. What the output looks like: properties in the schema's order (optional ones may be
// left out), integers of at most 15 digits, fractions of at most 6 digits and no exponent, and
// a fraction only where every value it could take is in range (a number range must hold an
// integer).

export class SchemaError extends Error {
  constructor(
    message: string,
    /** Where in the schema, as a JSON pointer ("#/properties/answer"). */
    readonly path: string,
    /** The keyword at fault. */
    readonly keyword: string | null = null,
  ) {
    super(message);
  }
}

const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$schema", "$comment", "$id"]);
const KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
]);
const TYPES = ["object", "array", "string", "integer", "number", "boolean", "null"] as const;
type SchemaType = (typeof TYPES)[number];

const MAX_NODES = 2000;
const MAX_DEPTH = 32;
/** Nesting of values under a schema that says nothing about them ({} or json_object). */
const ANY_VALUE_DEPTH = 3;
const MAX_INTEGER = 999_999_999_999_999;

type Schema = Record<string, unknown>;

const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

class Compiler {
  readonly lines: string[] = [];

  /** Reserves a node index before its children's (the C++ side wants children after parents). */
  private reserve(): number {
    if (this.lines.length >= MAX_NODES) {
      throw new SchemaError(`the schema is too large (more than ${MAX_NODES} grammar nodes)`, "#");
    }
    this.lines.push("");
    return this.lines.length - 1;
  }

  private node(line: string): number {
    const id = this.reserve();
    this.lines[id] = line;
    return id;
  }

  literal(values: unknown[]): number {
    const texts = [...new Set(values.map((v) => JSON.stringify(v)))];
    return this.node(`literal ${texts.length} ${texts.map(hex).join(" ")}`);
  }

  /** Any JSON value, nested at most ANY_VALUE_DEPTH deep. */
  any(depth: number): number {
    const id = this.reserve();
    const options = [
      this.string(0, -1),
      this.number(-Infinity, Infinity, false, false),
      this.literal([true, false, null]),
    ];
    if (depth < ANY_VALUE_DEPTH)
      options.push(
        this.map(depth + 1),
        this.array(() => this.any(depth + 1), 0, -1),
      );
    this.lines[id] = `choice ${options.length} ${options.join(" ")}`;
    return id;
  }

  /** An object with any keys. */
  map(depth: number, value?: () => number): number {
    const id = this.reserve();
    const key = this.string(0, -1);
    this.lines[id] = `map ${key} ${value ? value() : this.any(depth)}`;
    return id;
  }

  array(item: () => number, min: number, max: number): number {
    const id = this.reserve();
    this.lines[id] = `array ${item()} ${min} ${max}`;
    return id;
  }

  string(min: number, max: number): number {
    return this.node(`string ${min} ${max}`);
  }

  number(lo: number, hi: number, loExclusive: boolean, hiExclusive: boolean): number {
    const text = (v: number) => (v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v));
    return this.node(`number ${text(lo)} ${text(hi)} ${loExclusive ? 1 : 0} ${hiExclusive ? 1 : 0}`);
  }

  schema(schema: unknown, path: string, depth: number): number {
    if (depth > MAX_DEPTH) throw new SchemaError(`the schema nests deeper than ${MAX_DEPTH} levels`, path);
    if (schema === true) return this.any(1);
    if (!isObject(schema)) throw new SchemaError("a schema must be an object", path);
    for (const keyword of Object.keys(schema)) {
      if (!KEYWORDS.has(keyword) && !ANNOTATIONS.has(keyword)) {
        throw new SchemaError(
          `the JSON Schema keyword "${keyword}" at ${path} is not supported by this engine's structured ` +
            `output; supported: ${[...KEYWORDS].join(", ")}`,
          path,
          keyword,
        );
      }
    }
    const types = schemaTypes(schema, path);
    if (schema.const !== undefined || schema.enum !== undefined) return this.values(schema, types, path);
    if (types.length === 0) return this.any(1);
    if (types.length === 1) return this.typed(schema, types[0]!, path, depth);
    const id = this.reserve();
    // boolean and null share one literal node: a choice's options must start with different bytes.
    const literals = types.filter((t) => t === "boolean" || t === "null");
    const others = types.filter(
      (t) => t !== "boolean" && t !== "null" && !(t === "integer" && types.includes("number")),
    );
    const options = others.map((t) => this.typed(schema, t, path, depth));
    if (literals.length > 0)
      options.push(this.literal(literals.flatMap((t) => (t === "null" ? [null] : [true, false]))));
    this.lines[id] = `choice ${options.length} ${options.join(" ")}`;
    return id;
  }

  private values(schema: Schema, types: SchemaType[], path: string): number {
    let values: unknown[];
    if (schema.const !== undefined) {
      values = [schema.const];
    } else {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) {
        throw new SchemaError(`"enum" at ${path} must be a non-empty array`, path, "enum");
      }
      values = schema.enum;
    }
    const kept = types.length === 0 ? values : values.filter((v) => types.some((t) => hasType(v, t)));
    if (kept.length === 0) {
      throw new SchemaError(`no value of "enum"/"const" at ${path} has the schema's type`, path, "enum");
    }
    return this.literal(kept);
  }

  private typed(schema: Schema, type: SchemaType, path: string, depth: number): number {
    switch (type) {
      case "object":
        return this.object(schema, path, depth);
      case "array": {
        const min = count(schema, "minItems", path) ?? 0;
        const max = count(schema, "maxItems", path) ?? -1;
        ordered(min, max, "minItems", "maxItems", path);
        if (Array.isArray(schema.items)) {
          throw new SchemaError(
            `"items" at ${path} must be one schema (tuples are not supported)`,
            path,
            "items",
          );
        }
        const items = schema.items;
        return this.array(
          () => (items === undefined ? this.any(1) : this.schema(items, `${path}/items`, depth + 1)),
          min,
          max,
        );
      }
      case "string": {
        const min = count(schema, "minLength", path) ?? 0;
        const max = count(schema, "maxLength", path) ?? -1;
        ordered(min, max, "minLength", "maxLength", path);
        return this.string(min, max);
      }
      case "integer": {
        const [lo, loExclusive, hi, hiExclusive] = bounds(schema, path);
        const low = Math.max(-MAX_INTEGER, loExclusive ? Math.floor(lo) + 1 : Math.ceil(lo));
        const high = Math.min(MAX_INTEGER, hiExclusive ? Math.ceil(hi) - 1 : Math.floor(hi));
        if (low > high) {
          throw new SchemaError(
            `the integer range at ${path} is empty (or beyond ±${MAX_INTEGER})`,
            path,
            "minimum",
          );
        }
        return this.node(`integer ${low} ${high}`);
      }
      case "number": {
        const [lo, loExclusive, hi, hiExclusive] = bounds(schema, path);
        const low = loExclusive ? Math.floor(lo) + 1 : Math.ceil(lo);
        const high = hiExclusive ? Math.ceil(hi) - 1 : Math.floor(hi);
        if (Math.max(low, -MAX_INTEGER) > Math.min(high, MAX_INTEGER)) {
          throw new SchemaError(
            `the number range at ${path} holds no integer; this engine writes a fraction only inside ` +
              "[n, n + 1] ranges that fit, so it needs one",
            path,
            "minimum",
          );
        }
        return this.number(lo, hi, loExclusive, hiExclusive);
      }
      case "boolean":
        return this.literal([true, false]);
      case "null":
        return this.literal([null]);
    }
  }

  private object(schema: Schema, path: string, depth: number): number {
    const properties = schema.properties ?? {};
    if (!isObject(properties))
      throw new SchemaError(`"properties" at ${path} must be an object`, path, "properties");
    const required = schema.required ?? [];
    if (!Array.isArray(required) || required.some((r) => typeof r !== "string")) {
      throw new SchemaError(`"required" at ${path} must be an array of strings`, path, "required");
    }
    const additional = schema.additionalProperties;
    if (Object.keys(properties).length === 0 && required.length === 0 && additional !== false) {
      // No named properties: any keys, with values of the additionalProperties schema if any.
      const value = isObject(additional)
        ? () => this.schema(additional, `${path}/additionalProperties`, depth + 1)
        : undefined;
      return this.map(1, value);
    }
    const unnamed = required.filter((r) => !Object.hasOwn(properties, r));
    if (additional === false && unnamed.length > 0) {
      throw new SchemaError(
        `"required" at ${path} names ${JSON.stringify(unnamed[0])}, which "properties" lacks and ` +
          '"additionalProperties": false forbids: no object satisfies the schema',
        path,
        "required",
      );
    }
    const names = [...Object.keys(properties), ...unnamed];
    const id = this.reserve();
    const parts = names.map((name) => {
      const value = Object.hasOwn(properties, name)
        ? this.schema(properties[name], `${path}/properties/${escapePointer(name)}`, depth + 1)
        : this.any(1);
      return `${required.includes(name) ? 1 : 0} ${value} ${hex(JSON.stringify(name))}`;
    });
    this.lines[id] = `object ${names.length}${parts.map((p) => ` ${p}`).join("")}`;
    return id;
  }
}

function isObject(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function escapePointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

function hasType(value: unknown, type: SchemaType): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
  }
}

function schemaTypes(schema: Schema, path: string): SchemaType[] {
  const type = schema.type;
  if (type === undefined) {
    if (schema.properties !== undefined || schema.required !== undefined) return ["object"];
    if (schema.items !== undefined) return ["array"];
    return [];
  }
  const list = Array.isArray(type) ? type : [type];
  for (const t of list) {
    if (!TYPES.includes(t as SchemaType)) {
      throw new SchemaError(`unknown type ${JSON.stringify(t)} at ${path}`, path, "type");
    }
  }
  if (list.length === 0) throw new SchemaError(`"type" at ${path} must not be empty`, path, "type");
  return [...new Set(list as SchemaType[])];
}

function count(schema: Schema, keyword: string, path: string): number | undefined {
  const value = schema[keyword];
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 1_000_000) {
    throw new SchemaError(`"${keyword}" at ${path} must be an integer from 0 to 1000000`, path, keyword);
  }
  return value as number;
}

function ordered(min: number, max: number, minName: string, maxName: string, path: string): void {
  if (max >= 0 && min > max)
    throw new SchemaError(`"${minName}" is above "${maxName}" at ${path}`, path, minName);
}

/** [lo, loExclusive, hi, hiExclusive], the tighter of minimum and exclusiveMinimum (and max). */
function bounds(schema: Schema, path: string): [number, boolean, number, boolean] {
  const read = (keyword: string) => {
    const value = schema[keyword];
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new SchemaError(`"${keyword}" at ${path} must be a number`, path, keyword);
    }
    return value;
  };
  const minimum = read("minimum") ?? -Infinity;
  const exclusiveMinimum = read("exclusiveMinimum") ?? -Infinity;
  const maximum = read("maximum") ?? Infinity;
  const exclusiveMaximum = read("exclusiveMaximum") ?? Infinity;
  return [
    Math.max(minimum, exclusiveMinimum),
    exclusiveMinimum >= minimum && exclusiveMinimum > -Infinity,
    Math.min(maximum, exclusiveMaximum),
    exclusiveMaximum <= maximum && exclusiveMaximum < Infinity,
  ];
}

/** The grammar text for values that follow `schema` (a JSON Schema object). Throws SchemaError. */
export function compileJsonSchema(schema: unknown): string {
  const compiler = new Compiler();
  compiler.schema(schema, "#", 0);
  return compiler.lines.join("\n");
}

/** The grammar of OpenAI's `{"type":"json_object"}`: any JSON object. */
export function jsonObjectGrammar(): string {
  const compiler = new Compiler();
  compiler.map(1);
  return compiler.lines.join("\n");
}
