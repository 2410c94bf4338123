// Multi-row inserts for bulk imports: one statement per chunk, each column sent as one array
// parameter and expanded with unnest(), so a chunk of any size costs one round trip and a
// handful of parameters (PostgreSQL allows at most 65,535 per statement).
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client";

export const BULK_CHUNK_ROWS = 5_000;

/** Every value travels as text and is cast by PostgreSQL: both drivers serialise a text[]
 * parameter the same way, which they do not for arrays of enums. */
function toText(value: unknown, sqlType: string): string | null {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (sqlType === "jsonb" || sqlType === "json") return JSON.stringify(value);
  // An array column (numbers only: integer[]) travels as its literal, "{1,2,3}".
  if (Array.isArray(value)) return `{${value.join(",")}}`;
  return String(value);
}

/** Inserts `rows` (objects keyed by the table's TypeScript property names) in chunks. Every
 * property in `columns` must be present in each row (null for SQL NULL); defaults are not applied. */
export async function bulkInsert<T extends PgTable>(
  db: Db,
  table: T,
  columns: readonly (keyof T["$inferInsert"] & string)[],
  rows: readonly Partial<T["$inferInsert"]>[],
  chunkRows = BULK_CHUNK_ROWS,
): Promise<void> {
  const tableColumns = getTableColumns(table) as Record<string, { name: string; getSQLType(): string }>;
  const described = columns.map((key) => {
    const column = tableColumns[key];
    if (!column) throw new Error(`${getTableName(table)} has no column ${key}`);
    const type = column.getSQLType();
    return { key, name: column.name, type, isArray: type.endsWith("[]") };
  });
  const columnList = sql.raw(described.map((column) => `"${column.name}"`).join(", "));
  for (let start = 0; start < rows.length; start += chunkRows) {
    const chunk = rows.slice(start, start + chunkRows) as Record<string, unknown>[];
    // unnest() flattens an array of arrays, so an array column is unnested as text and cast after.
    const arrays: SQL[] = described.map((column) => {
      const values = sql`${sql.param(chunk.map((row) => toText(row[column.key], column.type)))}::text[]`;
      return column.isArray ? values : sql`${values}::${sql.raw(column.type)}[]`;
    });
    const selected = sql.raw(
      described.map((column, i) => (column.isArray ? `c${i}::${column.type}` : `c${i}`)).join(", "),
    );
    const aliases = sql.raw(described.map((_, i) => `c${i}`).join(", "));
    await db.execute(
      sql`insert into ${table} (${columnList}) select ${selected} from unnest(${sql.join(arrays, sql`, `)}) as u(${aliases})`,
    );
  }
}
