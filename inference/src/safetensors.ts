// Reads a safetensors file (Hugging Face's tensor format: an 8-byte little-endian header length,
// a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? }, then the
// tensor bytes, row-major) into float32 values. F32, F16 and BF16 tensors; others are refused.

import { readFileSync } from "node:fs";

import { bf16ToFp32, fp16ToFp32, fp32ToBf16, fp32ToFp16 } from "./ggml-types";

export type SafetensorsDtype = "F32" | "F16" | "BF16";

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  /** PyTorch order: the last dimension is contiguous (a matrix is [rows, cols]). */
  shape: number[];
  values: Float32Array;
}

const ELEMENT_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function parseSafetensors(bytes: Uint8Array, source = "safetensors"): Map<string, SafetensorsTensor> {
  const fail = (why: string) => new Error(`${source}: ${why}`);
  if (bytes.length < 8) throw fail("too short for a safetensors header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) throw fail(`header length ${headerLength} passes the end of the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
      string,
      unknown
    >;
  } catch (error) {
    throw fail(`the header is not JSON (${(error as Error).message})`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const entry = value as HeaderEntry;
    if (!(entry.dtype in ELEMENT_BYTES))
      throw fail(`tensor ${name} has dtype ${entry.dtype} (F32, F16 or BF16 expected)`);
    const dtype = entry.dtype as SafetensorsDtype;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = entry.data_offsets;
    if (end - begin !== count * ELEMENT_BYTES[dtype] || dataStart + end > bytes.length || begin < 0)
      throw fail(`tensor ${name}: offsets [${begin}, ${end}] do not fit its shape or the file`);
    const values = new Float32Array(count);
    const at = dataStart + begin;
    for (let i = 0; i < count; i++) {
      values[i] =
        dtype === "F32"
          ? view.getFloat32(at + 4 * i, true)
          : dtype === "F16"
            ? fp16ToFp32(view.getUint16(at + 2 * i, true))
            : bf16ToFp32(view.getUint16(at + 2 * i, true));
    }
    tensors.set(name, { dtype, shape: entry.shape, values });
  }
  return tensors;
}

export function readSafetensors(path: string): Map<string, SafetensorsTensor> {
  return parseSafetensors(new Uint8Array(readFileSync(path)), path);
}

/** Encodes tensors as a safetensors file (make-lora's PEFT folders; tests). */
export function encodeSafetensors(
  tensors: Map<string, { dtype: SafetensorsDtype; shape: number[]; values: Float32Array }>,
): Uint8Array {
  const header: Record<string, HeaderEntry> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.values.length * ELEMENT_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((json.length + 8) % 8)) % 8); // the data starts 8-byte aligned
  const jsonBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const t of tensors.values()) {
    for (const v of t.values) {
      if (t.dtype === "F32") view.setFloat32(at, v, true);
      else view.setUint16(at, t.dtype === "F16" ? fp32ToFp16(v) : fp32ToBf16(v), true);
      at += ELEMENT_BYTES[t.dtype];
    }
  }
  return out;
}
