import { describe, expect, it } from "vitest";
import { col, featuresYaml, MESSAGES, parquetSchema, parquetValueConverter, t } from "./columns";

const columns = [
  col("prompt", MESSAGES),
  col("margin", t.double),
  col("seed", t.int64, true),
  col("ids", t.list(t.string)),
];

describe("columns", () => {
  it("declares standard three-level Parquet lists", () => {
    expect(parquetSchema(columns).slice(0, 6)).toEqual([
      { name: "root", num_children: 4 },
      { name: "prompt", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "REQUIRED", num_children: 2 },
      { name: "role", repetition_type: "REQUIRED", type: "BYTE_ARRAY", converted_type: "UTF8" },
      { name: "content", repetition_type: "REQUIRED", type: "BYTE_ARRAY", converted_type: "UTF8" },
    ]);
  });

  it("writes 🤗 Datasets features", () => {
    expect(featuresYaml(columns, 2).join("\n")).toBe(
      [
        "  - name: prompt",
        "    list:",
        "      - name: role",
        "        dtype: string",
        "      - name: content",
        "        dtype: string",
        "  - name: margin",
        "    dtype: float64",
        "  - name: seed",
        "    dtype: int64",
        "  - name: ids",
        "    sequence: string",
      ].join("\n"),
    );
  });

  it("turns 64-bit integers into bigint for Parquet only where needed", () => {
    expect(parquetValueConverter(columns[0])).toBeNull();
    expect(parquetValueConverter(columns[2])!(7)).toBe(7n);
    expect(parquetValueConverter(columns[2])!(null)).toBeNull();
  });
});
