// Column types of an exported dataset, declared once per format and turned into the Parquet
// schema (standard three-level lists, so Arrow and 🤗 Datasets read them natively) and into the
// `features` of the dataset card.
import type { ParquetWriter } from "hyparquet-writer";

/** The writer's own hyparquet version defines the schema type it takes. */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

export type ColumnType =
  | { kind: "string" }
  | { kind: "double" }
  | { kind: "int32" }
  | { kind: "int64" }
  | { kind: "bool" }
  | { kind: "list"; of: ColumnType }
  | { kind: "struct"; fields: Column[] };

export interface Column {
  name: string;
  type: ColumnType;
  /** Values may be null (Parquet OPTIONAL). */
  nullable?: boolean;
}

export const t = {
  string: { kind: "string" } as ColumnType,
  double: { kind: "double" } as ColumnType,
  int32: { kind: "int32" } as ColumnType,
  int64: { kind: "int64" } as ColumnType,
  bool: { kind: "bool" } as ColumnType,
  list: (of: ColumnType): ColumnType => ({ kind: "list", of }),
  struct: (fields: Column[]): ColumnType => ({ kind: "struct", fields }),
};

export const col = (name: string, type: ColumnType, nullable = false): Column => ({ name, type, nullable });

export const MESSAGES = t.list(t.struct([col("role", t.string), col("content", t.string)]));

const PRIMITIVES = {
  string: { type: "BYTE_ARRAY", converted_type: "UTF8" },
  double: { type: "DOUBLE" },
  int32: { type: "INT32" },
  int64: { type: "INT64" },
  bool: { type: "BOOLEAN" },
} as const;

function schemaElements(column: Column): SchemaElement[] {
  const repetition_type = column.nullable ? "OPTIONAL" : "REQUIRED";
  const { type } = column;
  if (type.kind === "list") {
    return [
      { name: column.name, repetition_type, converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      ...schemaElements({ name: "element", type: type.of }),
    ];
  }
  if (type.kind === "struct") {
    return [
      { name: column.name, repetition_type, num_children: type.fields.length },
      ...type.fields.flatMap(schemaElements),
    ];
  }
  return [{ name: column.name, repetition_type, ...PRIMITIVES[type.kind] }];
}

export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  return [{ name: "root", num_children: columns.length }, ...columns.flatMap(schemaElements)];
}

const DTYPES = { string: "string", double: "float64", int32: "int32", int64: "int64", bool: "bool" } as const;

/** The `dataset_info.features` YAML of the dataset card, indented by `indent` spaces. */
export function featuresYaml(columns: readonly Column[], indent: number): string[] {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  for (const column of columns) {
    lines.push(`${pad}- name: ${column.name}`);
    lines.push(...typeYaml(column.type, indent + 2));
  }
  return lines;
}

function typeYaml(type: ColumnType, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (type.kind === "list") {
    if (type.of.kind === "struct") return [`${pad}list:`, ...featuresYaml(type.of.fields, indent + 2)];
    if (type.of.kind === "list") throw new Error("Nested lists are not used in exports.");
    return [`${pad}sequence: ${DTYPES[type.of.kind]}`];
  }
  if (type.kind === "struct") return [`${pad}struct:`, ...featuresYaml(type.fields, indent + 2)];
  return [`${pad}dtype: ${DTYPES[type.kind]}`];
}

function containsInt64(type: ColumnType): boolean {
  if (type.kind === "int64") return true;
  if (type.kind === "list") return containsInt64(type.of);
  if (type.kind === "struct") return type.fields.some((field) => containsInt64(field.type));
  return false;
}

function convertInt64(type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (type.kind === "int64") return BigInt(value as number);
  if (type.kind === "list") return (value as unknown[]).map((item) => convertInt64(type.of, item));
  if (type.kind === "struct") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      type.fields.map((field) => [field.name, convertInt64(field.type, record[field.name])]),
    );
  }
  return value;
}

/** Parquet takes 64-bit integers as bigint; JSON rows hold them as numbers. Identity elsewhere. */
export function parquetValueConverter(column: Column): ((value: unknown) => unknown) | null {
  return containsInt64(column.type) ? (value) => convertInt64(column.type, value) : null;
}
