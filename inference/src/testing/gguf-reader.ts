// A small, independent GGUF v3 reader for tests: reads a whole (small) file, returns typed
// metadata, tensor infos and the byte range of every section, so the reference forward pass can
// load weights and corruption tests can aim at each section boundary.

import { GGUF_MAGIC, GGUF_VALUE_TYPE } from "../gguf-writer";
import { ggmlTypeName, type GgmlTypeName, GGML_TYPE_TRAITS } from "../ggml-types";

export type ReadValue = number | bigint | boolean | string | ReadValue[];

export interface ReadEntry {
  key: string;
  type: number;
  itemType?: number;
  value: ReadValue;
  /** Byte range of the whole entry (key, type, value). */
  start: number;
  end: number;
  /** Where the value begins (after the key and type fields). */
  valueStart: number;
}

export interface ReadTensorInfo {
  name: string;
  shape: number[];
  type: number;
  typeName: GgmlTypeName | null;
  /** Offset from the start of the data section. */
  offset: number;
  start: number;
  end: number;
  /** Where the fields are in the file: for corrupting one field of one tensor info. */
  nDimsAt: number;
  typeAt: number;
  offsetAt: number;
}

export interface ReadGguf {
  version: number;
  metadata: Map<string, ReadEntry>;
  entries: ReadEntry[];
  tensors: ReadTensorInfo[];
  alignment: number;
  dataStart: number;
  /** End of the tensor infos, before the alignment padding. */
  tensorInfosEnd: number;
  bytes: Uint8Array;
}

const VALUE_TYPE_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

class Cursor {
  readonly view: DataView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number) {
    if (this.at + n > this.bytes.length) throw new Error(`truncated at byte ${this.at} (needs ${n} more)`);
  }
  u32() {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`64-bit value ${v} too large`);
    return Number(v);
  }
  string() {
    const n = this.u64();
    this.need(n);
    // ignoreBOM: a string may start with U+FEFF (Gemma 3 has such tokens) and must keep it.
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const s = decoder.decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  scalar(type: number): ReadValue {
    if (type === GGUF_VALUE_TYPE.string) return this.string();
    const size = VALUE_TYPE_SIZE[type];
    if (size === undefined) throw new Error(`unknown value type ${type}`);
    this.need(size);
    const v = this.view;
    const at = this.at;
    this.at += size;
    switch (type) {
      case 0:
        return v.getUint8(at);
      case 1:
        return v.getInt8(at);
      case 2:
        return v.getUint16(at, true);
      case 3:
        return v.getInt16(at, true);
      case 4:
        return v.getUint32(at, true);
      case 5:
        return v.getInt32(at, true);
      case 6:
        return v.getFloat32(at, true);
      case 7:
        return v.getUint8(at) !== 0;
      case 10:
        return v.getBigUint64(at, true);
      case 11:
        return v.getBigInt64(at, true);
      default:
        return v.getFloat64(at, true);
    }
  }
  value(type: number, depth = 0): ReadValue {
    if (type !== GGUF_VALUE_TYPE.array) return this.scalar(type);
    if (depth > 4) throw new Error("arrays nested too deeply");
    const itemType = this.u32();
    const n = this.u64();
    if (n > this.bytes.length) throw new Error(`array of ${n} items is larger than the file`);
    const out: ReadValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(itemType, depth + 1));
    return out;
  }
}

export function readGguf(bytes: Uint8Array): ReadGguf {
  const c = new Cursor(bytes);
  if (c.u32() !== GGUF_MAGIC) throw new Error("not a GGUF file (bad magic)");
  const version = c.u32();
  if (version !== 3) throw new Error(`GGUF version ${version}, expected 3`);
  const tensorCount = c.u64();
  const kvCount = c.u64();
  const entries: ReadEntry[] = [];
  for (let i = 0; i < kvCount; i++) {
    const start = c.at;
    const key = c.string();
    const type = c.u32();
    const valueStart = c.at;
    const itemType = type === GGUF_VALUE_TYPE.array ? c.view.getUint32(c.at, true) : undefined;
    const value = c.value(type);
    entries.push({ key, type, itemType, value, start, end: c.at, valueStart });
  }
  const metadata = new Map(entries.map((e) => [e.key, e]));
  const alignmentEntry = metadata.get("general.alignment");
  const alignment = alignmentEntry ? Number(alignmentEntry.value) : 32;
  const tensors: ReadTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const start = c.at;
    const name = c.string();
    const nDimsAt = c.at;
    const nDims = c.u32();
    if (nDims < 1 || nDims > 4) throw new Error(`tensor ${name}: ${nDims} dimensions`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(c.u64());
    const typeAt = c.at;
    const type = c.u32();
    const offsetAt = c.at;
    const offset = c.u64();
    tensors.push({
      name,
      shape,
      type,
      typeName: ggmlTypeName(type),
      offset,
      start,
      end: c.at,
      nDimsAt,
      typeAt,
      offsetAt,
    });
  }
  const tensorInfosEnd = c.at;
  const dataStart = Math.ceil(tensorInfosEnd / alignment) * alignment;
  return { version, metadata, entries, tensors, alignment, dataStart, tensorInfosEnd, bytes };
}

/** Dequantized values of a tensor (any type with traits in ggml-types). */
export function readTensor(file: ReadGguf, name: string): { shape: number[]; values: Float32Array } {
  const info = file.tensors.find((t) => t.name === name);
  if (!info) throw new Error(`tensor ${name} not found`);
  const traits = info.typeName ? GGML_TYPE_TRAITS[info.typeName] : undefined;
  if (!traits) throw new Error(`tensor ${name}: type ${info.type} has no dequantizer`);
  const count = info.shape.reduce((a, b) => a * b, 1);
  const start = file.dataStart + info.offset;
  const bytes = (count / traits.blockSize) * traits.typeSize;
  if (start + bytes > file.bytes.length) throw new Error(`tensor ${name} runs past the end of the file`);
  const values = new Float32Array(count);
  traits.dequantize(file.bytes.subarray(start, start + bytes), values);
  return { shape: info.shape, values };
}

export function metadataValue(file: ReadGguf, key: string): ReadValue | undefined {
  return file.metadata.get(key)?.value;
}
