// Rewrites a GGUF file with changes (keys dropped or set, tensors replaced, dropped or retyped):
// well-formed files that are wrong models (missing keys, shapes that disagree with the
// metadata) and models with hand-made weights for the reference tests.

import {
  GGUF_VALUE_TYPE,
  type GgufScalarType,
  type GgufTensor,
  type GgufValue,
  ggufToBytes,
} from "../gguf-writer";
import { type GgmlTypeName, ggmlTensorBytes, ggmlTypeTraits } from "../ggml-types";
import { type ReadEntry, type ReadGguf, type ReadValue } from "./gguf-reader";

const TYPE_NAMES = Object.fromEntries(
  Object.entries(GGUF_VALUE_TYPE).map(([name, id]) => [id, name]),
) as Record<number, keyof typeof GGUF_VALUE_TYPE>;

function toGgufValue(type: number, value: ReadValue, itemType?: number): GgufValue {
  const name = TYPE_NAMES[type];
  if (!name) throw new Error(`unknown value type ${type}`);
  if (name !== "array") return { type: name, value } as GgufValue;
  const itemName = TYPE_NAMES[itemType!];
  if (itemName === "array") throw new Error("nested arrays are not rewritten");
  return {
    type: "array",
    itemType: itemName as GgufScalarType,
    value: value as (number | bigint | boolean | string)[],
  };
}

export interface GgufEdit {
  dropKeys?: string[];
  setKeys?: Record<string, GgufValue>;
  dropTensors?: string[];
  /** New content for existing tensors (order kept) or new tensors (appended). */
  tensors?: Record<string, { type: GgmlTypeName; shape: number[]; data: Uint8Array }>;
}

export function editGguf(file: ReadGguf, edit: GgufEdit): Uint8Array {
  const metadata: Record<string, GgufValue> = {};
  file.entries.forEach((e: ReadEntry) => {
    if (!edit.dropKeys?.includes(e.key)) metadata[e.key] = toGgufValue(e.type, e.value, e.itemType);
  });
  Object.assign(metadata, edit.setKeys);
  const replaced = edit.tensors ?? {};
  const tensors: GgufTensor[] = [];
  for (const info of file.tensors) {
    if (edit.dropTensors?.includes(info.name)) continue;
    const replacement = replaced[info.name];
    if (replacement) {
      tensors.push({ name: info.name, ...replacement });
      continue;
    }
    if (!info.typeName) throw new Error(`tensor ${info.name} has unknown type ${info.type}`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    const start = file.dataStart + info.offset;
    const size = ggmlTensorBytes(ggmlTypeTraits(info.typeName), count);
    tensors.push({
      name: info.name,
      type: info.typeName,
      shape: info.shape,
      data: file.bytes.slice(start, start + size),
    });
  }
  for (const [name, t] of Object.entries(replaced)) {
    if (!file.tensors.some((info) => info.name === name)) tensors.push({ name, ...t });
  }
  return ggufToBytes({ metadata, tensors });
}
