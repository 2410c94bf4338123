// Writes GGUF v3 files: metadata of every GGUF value type, tensor infos and aligned tensor data,
// streamed to disk so multi-gigabyte models never sit in memory. Used by make-model and tests.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

import { open, rename, rm } from "node:fs/promises";

import { type GgmlTypeName, GGML_TYPE_ID, ggmlTensorBytes, ggmlTypeTraits } from "./ggml-types";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const GGUF_VERSION = 3;
const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_NAME is 64 bytes including the terminating zero. */
const GGUF_MAX_TENSOR_NAME_BYTES = 63;
const GGUF_MAX_DIMS = 4;

export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;

type NumberType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
type BigType = "uint64" | "int64";
export type GgufScalarType = NumberType | BigType | "bool" | "string";
type ScalarOf<T extends GgufScalarType> = T extends NumberType
  ? number
  : T extends BigType
    ? bigint | number
    : T extends "bool"
      ? boolean
      : string;

export type GgufScalar =
  | { type: NumberType; value: number }
  | { type: BigType; value: bigint | number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string };

export type GgufArray =
  | { type: "array"; itemType: GgufScalarType; value: readonly (number | bigint | boolean | string)[] }
  | { type: "array"; itemType: "array"; value: readonly GgufArray[] };

export type GgufValue = GgufScalar | GgufArray;

/** Typed metadata values: `ggufValue.uint32(4096)`, `ggufValue.array("string", tokens)`. */
export const ggufValue = {
  uint8: (value: number): GgufValue => ({ type: "uint8", value }),
  int8: (value: number): GgufValue => ({ type: "int8", value }),
  uint16: (value: number): GgufValue => ({ type: "uint16", value }),
  int16: (value: number): GgufValue => ({ type: "int16", value }),
  uint32: (value: number): GgufValue => ({ type: "uint32", value }),
  int32: (value: number): GgufValue => ({ type: "int32", value }),
  uint64: (value: bigint | number): GgufValue => ({ type: "uint64", value }),
  int64: (value: bigint | number): GgufValue => ({ type: "int64", value }),
  float32: (value: number): GgufValue => ({ type: "float32", value }),
  float64: (value: number): GgufValue => ({ type: "float64", value }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  string: (value: string): GgufValue => ({ type: "string", value }),
  array: <T extends GgufScalarType>(itemType: T, value: readonly ScalarOf<T>[]): GgufValue =>
    ({ type: "array", itemType, value }) as GgufValue,
  arrayOfArrays: (value: readonly GgufArray[]): GgufValue => ({ type: "array", itemType: "array", value }),
};

export interface GgufTensor {
  name: string;
  type: GgmlTypeName;
  /** ggml order: shape[0] is the contiguous dimension (the number of columns of a matrix). */
  shape: readonly number[];
  /**
   * The encoded tensor bytes: a buffer, or a function returning chunks in order (any sizes),
   * so large tensors are produced while they are written. A yielded chunk must not be reused.
   */
  data: Uint8Array | (() => Iterable<Uint8Array>);
}

/** Encodes float values as a tensor of `type` (ggml's reference quantizers for block types). */
export function encodeTensorData(type: GgmlTypeName, values: Float32Array): Uint8Array {
  const traits = ggmlTypeTraits(type);
  const out = new Uint8Array(ggmlTensorBytes(traits, values.length));
  traits.quantize(values, out);
  return out;
}

export interface GgufFile {
  /** Keys in the order they are written. `general.alignment` (uint32) sets the alignment. */
  metadata: Record<string, GgufValue>;
  tensors: readonly GgufTensor[];
}

export interface WriteProgress {
  bytesWritten: number;
  totalBytes: number;
}

// ---------------------------------------------------------------------------------------------

class ByteBuilder {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      let size = this.buffer.length * 2;
      while (size < this.length + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // reserve() may replace the view, so it runs before the view is read.
  u8(v: number) {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  i8(v: number) {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  u16(v: number) {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  i16(v: number) {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number) {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  i32(v: number) {
    const at = this.reserve(4);
    this.view.setInt32(at, v, true);
  }
  u64(v: bigint | number) {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }
  i64(v: bigint | number) {
    const at = this.reserve(8);
    this.view.setBigInt64(at, BigInt(v), true);
  }
  f32(v: number) {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number) {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  bytes(b: Uint8Array) {
    const at = this.reserve(b.length);
    this.buffer.set(b, at);
  }
  zeros(n: number) {
    const at = this.reserve(n);
    this.buffer.fill(0, at, this.length);
  }
  string(s: string) {
    const utf8 = new TextEncoder().encode(s);
    this.u64(utf8.length);
    this.bytes(utf8);
  }
  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function checkInteger(key: string, type: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`metadata ${key}: ${v} is not a valid ${type}`);
  }
}

function checkBigInteger(key: string, type: string, v: bigint | number, min: bigint, max: bigint): void {
  if (typeof v === "number" && !Number.isSafeInteger(v))
    throw new RangeError(`metadata ${key}: ${v} is not a valid ${type}`);
  const b = BigInt(v);
  if (b < min || b > max) throw new RangeError(`metadata ${key}: ${v} is not a valid ${type}`);
}

function writeScalar(out: ByteBuilder, key: string, type: GgufScalarType, v: unknown): void {
  const fail = () => new TypeError(`metadata ${key}: expected a ${type}, got ${typeof v}`);
  switch (type) {
    case "string":
      if (typeof v !== "string") throw fail();
      return out.string(v);
    case "bool":
      if (typeof v !== "boolean") throw fail();
      return out.u8(v ? 1 : 0);
    case "uint64":
    case "int64":
      if (typeof v !== "number" && typeof v !== "bigint") throw fail();
      if (type === "uint64") {
        checkBigInteger(key, type, v, 0n, 2n ** 64n - 1n);
        return out.u64(v);
      }
      checkBigInteger(key, type, v, -(2n ** 63n), 2n ** 63n - 1n);
      return out.i64(v);
  }
  if (typeof v !== "number") throw fail();
  switch (type) {
    case "uint8":
      checkInteger(key, type, v, 0, 0xff);
      return out.u8(v);
    case "int8":
      checkInteger(key, type, v, -0x80, 0x7f);
      return out.i8(v);
    case "uint16":
      checkInteger(key, type, v, 0, 0xffff);
      return out.u16(v);
    case "int16":
      checkInteger(key, type, v, -0x8000, 0x7fff);
      return out.i16(v);
    case "uint32":
      checkInteger(key, type, v, 0, 0xffffffff);
      return out.u32(v);
    case "int32":
      checkInteger(key, type, v, -0x80000000, 0x7fffffff);
      return out.i32(v);
    case "float32":
      return out.f32(v);
    case "float64":
      return out.f64(v);
  }
}

function writeValue(out: ByteBuilder, key: string, value: GgufValue): void {
  if (value.type !== "array") return writeScalar(out, key, value.type, value.value);
  out.u32(GGUF_VALUE_TYPE[value.itemType]);
  out.u64(value.value.length);
  if (value.itemType === "array") {
    // Each element is an array value without its own type tag: item type, count, items.
    for (const item of value.value as readonly GgufArray[]) writeValue(out, key, item);
  } else {
    for (const item of value.value) writeScalar(out, key, value.itemType, item);
  }
}

function alignmentOf(metadata: Record<string, GgufValue>): number {
  const entry = metadata["general.alignment"];
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (entry.type !== "uint32" || entry.value <= 0 || (entry.value & (entry.value - 1)) !== 0) {
    throw new RangeError("metadata general.alignment must be a uint32 power of two");
  }
  return entry.value;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

interface PlannedTensor {
  tensor: GgufTensor;
  bytes: number;
  offset: number; // from the start of the data section
}

function planTensors(tensors: readonly GgufTensor[], alignment: number): PlannedTensor[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((tensor) => {
    const where = `tensor ${JSON.stringify(tensor.name)}`;
    if (names.has(tensor.name)) throw new Error(`${where} appears twice`);
    names.add(tensor.name);
    if (new TextEncoder().encode(tensor.name).length > GGUF_MAX_TENSOR_NAME_BYTES) {
      throw new Error(`${where}: names are limited to ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`);
    }
    if (tensor.shape.length < 1 || tensor.shape.length > GGUF_MAX_DIMS) {
      throw new Error(`${where}: 1 to ${GGUF_MAX_DIMS} dimensions, got ${tensor.shape.length}`);
    }
    if (!tensor.shape.every((n) => Number.isSafeInteger(n) && n > 0)) {
      throw new Error(`${where}: dimensions must be positive integers, got [${tensor.shape.join(", ")}]`);
    }
    const traits = ggmlTypeTraits(tensor.type);
    if (tensor.shape[0]! % traits.blockSize !== 0) {
      throw new Error(
        `${where}: rows of ${tensor.shape[0]} values are not whole ${tensor.type} blocks of ${traits.blockSize}`,
      );
    }
    const bytes = ggmlTensorBytes(
      traits,
      tensor.shape.reduce((a, b) => a * b, 1),
    );
    const planned = { tensor, bytes, offset };
    offset = alignUp(offset + bytes, alignment);
    return planned;
  });
}

function encodeHeader(file: GgufFile, planned: PlannedTensor[], alignment: number): Uint8Array {
  const out = new ByteBuilder();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(file.tensors.length);
  const entries = Object.entries(file.metadata);
  out.u64(entries.length);
  for (const [key, value] of entries) {
    out.string(key);
    out.u32(GGUF_VALUE_TYPE[value.type]);
    writeValue(out, key, value);
  }
  for (const { tensor, offset } of planned) {
    out.string(tensor.name);
    out.u32(tensor.shape.length);
    for (const n of tensor.shape) out.u64(n);
    out.u32(GGML_TYPE_ID[tensor.type]);
    out.u64(offset);
  }
  out.zeros(alignUp(out.length, alignment) - out.length);
  return out.result();
}

/** The file as a sequence of byte chunks (header, then each tensor's data and padding). */
function* ggufChunks(file: GgufFile): Generator<Uint8Array, void, undefined> {
  const alignment = alignmentOf(file.metadata);
  const planned = planTensors(file.tensors, alignment);
  yield encodeHeader(file, planned, alignment);
  let position = 0;
  for (const { tensor, bytes, offset } of planned) {
    if (position < offset) yield new Uint8Array(offset - position);
    let written = 0;
    const chunks = tensor.data instanceof Uint8Array ? [tensor.data] : tensor.data();
    for (const chunk of chunks) {
      written += chunk.length;
      if (written > bytes) break;
      yield chunk;
    }
    if (written !== bytes) {
      throw new Error(
        `tensor ${JSON.stringify(tensor.name)}: data has ${written > bytes ? "more than" : written} bytes, expected ${bytes} bytes (${tensor.type} [${tensor.shape.join(", ")}])`,
      );
    }
    position = offset + bytes;
  }
  const end = alignUp(position, alignment);
  if (end > position) yield new Uint8Array(end - position);
}

/** Total size of the file `file` describes, in bytes. */
export function ggufFileSize(file: GgufFile): number {
  const alignment = alignmentOf(file.metadata);
  const planned = planTensors(file.tensors, alignment);
  const header = encodeHeader(file, planned, alignment).length;
  const last = planned.at(-1);
  return header + (last ? alignUp(last.offset + last.bytes, alignment) : 0);
}

/** Encodes a (small) GGUF file in memory. */
export function ggufToBytes(file: GgufFile): Uint8Array {
  const chunks = [...ggufChunks(file)];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Streams a GGUF file to `path`. It is written to `path.partial` and renamed at the end, so an
 * interrupted write never leaves a truncated file under the final name.
 */
export async function writeGguf(
  path: string,
  file: GgufFile,
  onProgress?: (progress: WriteProgress) => void,
): Promise<{ bytes: number }> {
  const totalBytes = ggufFileSize(file);
  const partial = `${path}.partial`;
  const handle = await open(partial, "w");
  let bytesWritten = 0;
  try {
    // Small chunks (padding, tiny tensors) are gathered so each write call moves megabytes.
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      for (let at = 0; at < data.length;) {
        const { bytesWritten: n } = await handle.write(data, at, data.length - at);
        at += n;
      }
      bytesWritten += data.length;
      pending.length = 0;
      pendingBytes = 0;
      onProgress?.({ bytesWritten, totalBytes });
    };
    for (const chunk of ggufChunks(file)) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= 1 << 22) await flush();
    }
    await flush();
    await handle.close();
    await rename(partial, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  return { bytes: bytesWritten };
}
