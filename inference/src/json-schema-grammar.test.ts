// The JSON Schema compiler: the grammar lines it writes, and refusals that name the keyword.
import { describe, expect, it } from "vitest";

import { compileJsonSchema, jsonObjectGrammar, SchemaError } from "./json-schema-grammar";

const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

function refusal(schema: unknown): SchemaError {
  try {
    compileJsonSchema(schema);
  } catch (error) {
    if (error instanceof SchemaError) return error;
    throw error;
  }
  throw new Error("the schema was accepted");
}

describe("compileJsonSchema", () => {
  it("writes an object's properties in order, children after their parent", () => {
    const grammar = compileJsonSchema({
      type: "object",
      properties: { winner: { enum: ["A", "B"] }, strength: { type: "integer", minimum: 0, maximum: 3 } },
      required: ["winner"],
    });
    expect(grammar.split("\n")).toEqual([
      `object 2 1 1 ${hex('"winner"')} 0 2 ${hex('"strength"')}`,
      `literal 2 ${hex('"A"')} ${hex('"B"')}`,
      "integer 0 3",
    ]);
  });

  it("turns exclusive bounds into the integers inside them", () => {
    expect(compileJsonSchema({ type: "integer", exclusiveMinimum: -2.5, exclusiveMaximum: 7 })).toBe(
      "integer -2 6",
    );
    expect(compileJsonSchema({ type: "number", minimum: 0, exclusiveMaximum: 1 })).toBe("number 0 1 0 1");
  });

  it("makes a type list one choice, booleans and null sharing a literal", () => {
    expect(compileJsonSchema({ type: ["string", "null", "boolean"], maxLength: 3 }).split("\n")).toEqual([
      "choice 2 1 2",
      "string 0 3",
      `literal 3 ${hex("null")} ${hex("true")} ${hex("false")}`,
    ]);
  });

  it("keeps only the enum values of the schema's type", () => {
    expect(compileJsonSchema({ type: "integer", enum: [1, "a", 2.5, 3] })).toBe(
      `literal 2 ${hex("1")} ${hex("3")}`,
    );
  });

  it("refuses a keyword it cannot follow, naming it and where it is", () => {
    const error = refusal({ type: "object", properties: { id: { type: "string", pattern: "^a" } } });
    expect(error.keyword).toBe("pattern");
    expect(error.path).toBe("#/properties/id");
    expect(error.message).toContain('"pattern"');
    for (const keyword of ["$ref", "anyOf", "format", "multipleOf", "uniqueItems", "minProperties"]) {
      expect(refusal({ type: "string", [keyword]: 1 }).keyword).toBe(keyword);
    }
  });

  it("refuses a required property that additionalProperties: false forbids", () => {
    const error = refusal({ type: "object", properties: {}, required: ["id"], additionalProperties: false });
    expect(error.keyword).toBe("required");
    expect(error.message).toContain('"id"');
  });

  it("refuses empty ranges and lengths", () => {
    expect(refusal({ type: "string", minLength: 5, maxLength: 2 }).keyword).toBe("minLength");
    expect(refusal({ type: "integer", minimum: 3, maximum: 2 }).keyword).toBe("minimum");
    expect(refusal({ type: "number", minimum: 0.2, maximum: 0.5 }).message).toContain("no integer");
  });

  it("writes json_object as a map of any values", () => {
    expect(jsonObjectGrammar().split("\n")[0]).toMatch(/^map 1 2$/);
  });
});
