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
      if (!file.startsWith(path.resolve(folder) + path.sep)) throw new Error(`Refusing to write ${name} outside ${folder}.`);
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
export async function fileSink(path: string): Promise<ByteSink> {
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

/** A Node writable (an HTTP response body), respecting its backpressure. */
export function writableSink(stream: Writable, signal?: AbortSignal): ByteSink {
  return {
    write: async (chunk) => {
      if (stream.destroyed) throw signal?.reason ?? new Error("The download was closed.");
      if (!stream.write(chunk)) await once(stream, "drain", { signal });
    },
    close: async () => {
      stream.end();
      await once(stream, "finish");
    },
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

/** One JSON object per line; keys in the order the format built them. */
export class JsonLinesWriter extends RowWriter {
  async write(rows: readonly Row[]) {
    if (rows.length === 0) return;
    let text = "";
    for (const row of rows) text += JSON.stringify(row) + "\n";
    this.rows += rows.length;
    await this.emit(Buffer.from(text, "utf8"));
  }

  protected async end() {}
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

/** Rows per Parquet row group: fixed, so the same rows always give the same file. */
export const ROW_GROUP_ROWS = 5000;

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
      if (this.pending.length === ROW_GROUP_ROWS) await this.writeGroup();
    }
  }

  private async writeGroup() {
    const group = this.pending;
    this.pending = [];
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
