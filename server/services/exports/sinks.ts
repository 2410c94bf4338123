// Where exported bytes go, and the two file writers (JSON lines, Parquet). Every file's bytes
// are counted and hashed as they are written, so the recorded sha256 is of exactly what was
// delivered; nothing holds more than one row group.
import crypto from "node:crypto";
import fs from "node:fs";
import { once } from "node:events";
import path from "node:path";
import type { Writable } from "node:stream";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { parquetSchema, parquetValueConverter, type Column } from "./columns";
import type { Row } from "./formats";

export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Stops and discards what was written (a cancelled or failed export). */
  discard(): Promise<void>;
}

/** Where the files of an export are written, by their relative names ("data/train-….parquet"). */
export interface ExportTarget {
  open(name: string): Promise<ByteSink>;
}

/** Files under a folder (callers stage exports in a temporary folder, then move them in). */
export function folderTarget(folder: string): ExportTarget {
  return {
    open: async (name) => {
      const file = path.resolve(folder, name);
      if (!file.startsWith(path.resolve(folder) + path.sep))
        throw new Error(`Refusing to write ${name} outside ${folder}.`);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      return fileSink(file);
    },
  };
}

export interface WrittenFile {
  name: string;
  bytes: number;
  sha256: string;
  rows: number;
}

/** A new file (callers stage files in a temporary folder and move them in when complete). */
async function fileSink(path: string): Promise<ByteSink> {
  const handle = await fs.promises.open(path, "wx");
  return {
    write: async (chunk) => {
      let offset = 0;
      while (offset < chunk.length) offset += (await handle.write(chunk, offset)).bytesWritten;
    },
    close: () => handle.close(),
    discard: async () => {
      await handle.close().catch(() => {});
      await fs.promises.rm(path, { force: true });
    },
  };
}

/** A Node writable (an HTTP response body), respecting its backpressure. Its owner ends it. */
export function writableSink(stream: Writable, signal?: AbortSignal): ByteSink {
  return {
    write: async (chunk) => {
      if (stream.destroyed) throw signal?.reason ?? new Error("The download was closed.");
      if (!stream.write(chunk)) await once(stream, "drain", { signal });
    },
    close: async () => {},
    discard: async () => {
      stream.destroy();
    },
  };
}

export abstract class RowWriter {
  private readonly hash = crypto.createHash("sha256");
  private bytes = 0;
  protected rows = 0;

  constructor(
    readonly name: string,
    private readonly sink: ByteSink,
  ) {}

  protected async emit(chunk: Uint8Array) {
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await this.sink.write(chunk);
  }

  abstract write(rows: readonly Row[]): Promise<void>;
  protected abstract end(): Promise<void>;

  async finish(): Promise<WrittenFile> {
    await this.end();
    await this.sink.close();
    return { name: this.name, bytes: this.bytes, sha256: this.hash.digest("hex"), rows: this.rows };
  }

  discard() {
    return this.sink.discard();
  }
}

/** Bytes go to the sink in chunks of this size, whatever the page size. */
const CHUNK_BYTES = 1 << 20;

/** Strings JSON.stringify would escape: quotes, backslashes, control characters, surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const KEY_PREFIXES = new Map<string, string>();

/** The largest UTF-8 size `value` can serialize to (escapes included), for sizing the chunk. */
function maxJsonBytes(value: unknown): number {
  if (typeof value === "string") return value.length * 6 + 2;
  if (Array.isArray(value)) {
    let size = 2;
    for (const item of value) size += maxJsonBytes(item) + 1;
    return size;
  }
  if (value !== null && typeof value === "object") {
    let size = 2;
    for (const key in value)
      size += key.length * 6 + 4 + maxJsonBytes((value as Record<string, unknown>)[key]);
    return size;
  }
  return 32;
}

/**
 * Writes what JSON.stringify would write straight into a buffer: texts are copied as they are
 * (escaped by JSON.stringify only when they need it), so no JSON string of a row is ever built.
 * The caller makes sure the buffer has maxJsonBytes(value) bytes free.
 */
class JsonEncoder {
  buffer: Buffer;
  used = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  private put(text: string) {
    this.used += this.buffer.write(text, this.used, "utf8");
  }

  value(value: unknown, inArray = false) {
    switch (typeof value) {
      case "string":
        if (NEEDS_ESCAPE.test(value)) this.put(JSON.stringify(value));
        else {
          this.buffer[this.used++] = 0x22;
          this.put(value);
          this.buffer[this.used++] = 0x22;
        }
        return;
      case "number":
        this.put(JSON.stringify(value));
        return;
      case "boolean":
        this.put(value ? "true" : "false");
        return;
      case "object":
        if (value === null) this.put("null");
        else if (Array.isArray(value)) this.array(value);
        else this.object(value as Record<string, unknown>);
        return;
      default:
        // undefined and functions: null inside arrays, left out of objects (by the caller).
        if (inArray) this.put("null");
    }
  }

  private array(items: readonly unknown[]) {
    this.buffer[this.used++] = 0x5b; // [
    for (let index = 0; index < items.length; index++) {
      if (index > 0) this.buffer[this.used++] = 0x2c; // ,
      this.value(items[index], true);
    }
    this.buffer[this.used++] = 0x5d; // ]
  }

  object(record: Record<string, unknown>) {
    this.buffer[this.used++] = 0x7b; // {
    let first = true;
    for (const key in record) {
      const item = record[key];
      if (item === undefined || typeof item === "function") continue;
      if (!first) this.buffer[this.used++] = 0x2c;
      first = false;
      let prefix = KEY_PREFIXES.get(key);
      if (prefix === undefined) KEY_PREFIXES.set(key, (prefix = `${JSON.stringify(key)}:`));
      this.put(prefix);
      this.value(item);
    }
    this.buffer[this.used++] = 0x7d; // }
  }
}

/** One JSON object per line, keys in the order the format built them, encoded into 1 MiB chunks. */
export class JsonLinesWriter extends RowWriter {
  private encoder = new JsonEncoder(CHUNK_BYTES);

  async write(rows: readonly Row[]) {
    for (const row of rows) {
      const needed = maxJsonBytes(row) + 1;
      if (this.encoder.used + needed > this.encoder.buffer.length) await this.flush(needed);
      this.encoder.object(row);
      this.encoder.buffer[this.encoder.used++] = 0x0a; // \n
    }
    this.rows += rows.length;
  }

  /** Hands the filled part over (the sink may keep it) and starts a chunk with room for `need`. */
  private async flush(need: number) {
    const filled = this.encoder.buffer.subarray(0, this.encoder.used);
    this.encoder = new JsonEncoder(Math.max(CHUNK_BYTES, need));
    await this.emit(filled);
  }

  protected async end() {
    await this.flush(0);
  }
}

/** The line the JSON lines writer writes for `row` (for tests). */
export function serializeRow(row: Row) {
  const encoder = new JsonEncoder(maxJsonBytes(row) + 1);
  encoder.object(row);
  encoder.buffer[encoder.used++] = 0x0a;
  return encoder.buffer.toString("utf8", 0, encoder.used);
}

/** A text file (the dataset card), hashed like the data files. */
export class TextFileWriter extends RowWriter {
  async writeText(text: string) {
    await this.emit(Buffer.from(text, "utf8"));
  }

  async write(): Promise<void> {
    throw new Error("A text file takes text, not rows.");
  }

  protected async end() {}
}

/** A row group closes at this many rows or this much text, whichever comes first: both depend
 * on the rows only, so the same rows always give the same file, and memory stays bounded. */
const ROW_GROUP_ROWS = 10_000;
const ROW_GROUP_CHARS = 8 << 20;

/** Characters of text in a row: the measure of a row group's size. */
function textSize(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) {
    let size = 0;
    for (const item of value) size += textSize(item);
    return size;
  }
  if (value && typeof value === "object") {
    let size = 0;
    for (const key in value) size += textSize((value as Record<string, unknown>)[key]);
    return size;
  }
  return 8;
}

/** hyparquet-writer's buffer, emptied into the sink after each row group and at the end. */
class FlushingByteWriter extends ByteWriter {
  constructor(private readonly emit: (chunk: Uint8Array) => Promise<void>) {
    super(1 << 20);
  }

  flush() {
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.emit(chunk);
  }

  override finish() {
    return this.flush() as unknown as void;
  }
}

export class ParquetRowWriter extends RowWriter {
  private readonly writer: ParquetWriter;
  private readonly converters: (((value: unknown) => unknown) | null)[];
  private pending: Row[] = [];
  private pendingChars = 0;

  constructor(
    name: string,
    sink: ByteSink,
    private readonly columns: readonly Column[],
  ) {
    super(name, sink);
    this.converters = columns.map(parquetValueConverter);
    this.writer = new ParquetWriter({
      writer: new FlushingByteWriter((chunk) => this.emit(chunk)),
      schema: parquetSchema(columns),
      // No version or time in the file: the same rows must give the same bytes.
      createdBy: "arbiter",
    });
  }

  async write(rows: readonly Row[]) {
    for (const row of rows) {
      this.pending.push(row);
      this.pendingChars += textSize(row);
      if (this.pending.length === ROW_GROUP_ROWS || this.pendingChars >= ROW_GROUP_CHARS)
        await this.writeGroup();
    }
  }

  private async writeGroup() {
    const group = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    this.rows += group.length;
    const columnData = this.columns.map((column, index) => {
      const convert = this.converters[index];
      return {
        name: column.name,
        data: convert ? group.map((row) => convert(row[column.name])) : group.map((row) => row[column.name]),
      };
    });
    await this.writer.write({ columnData, rowGroupSize: group.length });
  }

  protected async end() {
    if (this.pending.length) await this.writeGroup();
    await this.writer.finish();
  }
}
