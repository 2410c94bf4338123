// Corrupted variants of a valid llama GGUF for the loader's robustness test: truncations at
// every section boundary, bit flips, huge counts and lengths, bad value and tensor types,
// overlapping, out-of-range and misaligned offsets, bad alignment, missing keys and tensors,
// and shapes that disagree with the metadata.

import { GGUF_VALUE_TYPE, ggufValue } from "../gguf-writer";
import { ggmlTensorBytes, ggmlTypeTraits } from "../ggml-types";
import { Random } from "../random";
import { editGguf } from "./gguf-edit";
import { readGguf, type ReadGguf } from "./gguf-reader";

/** "reject": loading must fail with an error; "load": must load; "either": must not crash. */
export type Expectation = "reject" | "load" | "either";

export interface CorruptCase {
  name: string;
  bytes: Uint8Array;
  expect: Expectation;
}

const HUGE = [2n ** 63n - 1n, 2n ** 62n, 2n ** 40n, 2n ** 32n + 1n, 0xffffffffn];

function patched(bytes: Uint8Array, at: number, write: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  write(new DataView(copy.buffer, at));
  return copy;
}
const setU32 = (bytes: Uint8Array, at: number, v: number) =>
  patched(bytes, at, (d) => d.setUint32(0, v >>> 0, true));
const setU64 = (bytes: Uint8Array, at: number, v: bigint) =>
  patched(bytes, at, (d) => d.setBigUint64(0, v, true));

export function corruptCases(file: ReadGguf): CorruptCase[] {
  const bytes = file.bytes;
  const cases: CorruptCase[] = [];
  const add = (name: string, data: Uint8Array, expect: Expectation) =>
    cases.push({ name, bytes: data, expect });
  const edit = (name: string, change: Parameters<typeof editGguf>[1], expect: Expectation) =>
    add(name, editGguf(file, change), expect);

  add("unchanged", bytes, "load");

  // Header fields.
  add("empty file", new Uint8Array(0), "reject");
  add("bad magic", setU32(bytes, 0, 0x46554746), "reject");
  for (const version of [1, 2, 4, 0x03000000, 0xffffffff])
    add(`version ${version}`, setU32(bytes, 4, version), "reject");
  for (const n of [...HUGE, BigInt(file.tensors.length + 1)])
    add(`tensor_count ${n}`, setU64(bytes, 8, n), "reject");
  add("tensor_count 0", setU64(bytes, 8, 0n), "reject");
  for (const n of [...HUGE, BigInt(file.entries.length + 1), 0n])
    add(`kv_count ${n}`, setU64(bytes, 16, n), "reject");

  // Truncation at every section boundary (and inside each field), all of which lose data.
  const cuts = new Set<number>([1, 3, 4, 6, 8, 12, 16, 20, 24]);
  for (const e of file.entries) {
    for (const at of [
      e.start,
      e.start + 4,
      e.start + 8,
      e.start + 9,
      e.valueStart - 4,
      e.valueStart,
      e.valueStart + 2,
      Math.floor((e.valueStart + e.end) / 2),
      e.end - 1,
    ])
      cuts.add(at);
  }
  for (const t of file.tensors)
    for (const at of [
      t.start,
      t.start + 8,
      t.nDimsAt,
      t.nDimsAt + 2,
      t.typeAt,
      t.offsetAt,
      t.offsetAt + 4,
      t.end,
    ])
      cuts.add(at);
  cuts.add(file.tensorInfosEnd);
  cuts.add(file.dataStart);
  for (const t of file.tensors) {
    const size = ggmlTensorBytes(
      ggmlTypeTraits(t.typeName!),
      t.shape.reduce((a, b) => a * b, 1),
    );
    const start = file.dataStart + t.offset;
    for (const at of [start, start + Math.floor(size / 2), start + size - 1]) cuts.add(at);
  }
  for (const at of [...cuts].sort((a, b) => a - b)) {
    if (at > 0 && at < lastDataByte(file)) add(`truncated at byte ${at}`, bytes.slice(0, at), "reject");
  }

  // Metadata entries: huge key lengths, bad value types, huge string and array lengths.
  for (const e of file.entries) {
    for (const n of [2n ** 62n, BigInt(bytes.length)])
      add(`${e.key}: key length ${n}`, setU64(bytes, e.start, n), "reject");
    const typeAt = e.valueStart - 4;
    for (const type of [13, 255, 0xffffffff])
      add(`${e.key}: value type ${type}`, setU32(bytes, typeAt, type), "reject");
    add(
      `${e.key}: value type changed`,
      setU32(
        bytes,
        typeAt,
        e.type === GGUF_VALUE_TYPE.uint8 ? GGUF_VALUE_TYPE.uint64 : GGUF_VALUE_TYPE.uint8,
      ),
      "either",
    );
    if (e.type === GGUF_VALUE_TYPE.string) {
      for (const n of [2n ** 62n, BigInt(bytes.length)])
        add(`${e.key}: string length ${n}`, setU64(bytes, e.valueStart, n), "reject");
    }
    if (e.type === GGUF_VALUE_TYPE.array) {
      for (const type of [13, 0xffffffff])
        add(`${e.key}: array item type ${type}`, setU32(bytes, e.valueStart, type), "reject");
      add(`${e.key}: array of arrays`, setU32(bytes, e.valueStart, GGUF_VALUE_TYPE.array), "reject");
      for (const n of [2n ** 62n, 2n ** 31n, BigInt(bytes.length)])
        add(`${e.key}: array count ${n}`, setU64(bytes, e.valueStart + 4, n), "reject");
    }
  }

  // Tensor infos (the first, one in the middle, the last): dims, types, offsets, names.
  const picks = [...new Set([0, Math.floor(file.tensors.length / 2), file.tensors.length - 1])];
  for (const i of picks) {
    const t = file.tensors[i]!;
    const label = `tensor ${t.name}`;
    add(`${label}: name length 2^62`, setU64(bytes, t.start, 2n ** 62n), "reject");
    for (const n of [0, 5, 0xffffffff]) add(`${label}: n_dims ${n}`, setU32(bytes, t.nDimsAt, n), "reject");
    add(`${label}: dim 0`, setU64(bytes, t.nDimsAt + 4, 0n), "reject");
    for (const n of [2n ** 40n, 2n ** 62n, 2n ** 63n + 5n])
      add(`${label}: dim ${n}`, setU64(bytes, t.nDimsAt + 4, n), "reject");
    if (t.shape.length === 2) {
      const both = setU64(setU64(bytes, t.nDimsAt + 4, 2n ** 32n), t.nDimsAt + 12, 2n ** 32n);
      add(`${label}: dims whose product overflows 64 bits`, both, "reject");
    }
    for (const type of [3, 13, 39, 0xffff])
      add(`${label}: ggml type ${type}`, setU32(bytes, t.typeAt, type), "reject");
    add(`${label}: offset misaligned`, setU64(bytes, t.offsetAt, BigInt(t.offset + 1)), "reject");
    add(`${label}: offset past the end`, setU64(bytes, t.offsetAt, BigInt(bytes.length)), "reject");
    add(`${label}: offset 2^62`, setU64(bytes, t.offsetAt, 2n ** 62n), "reject");
    add(`${label}: offset 2^64-32`, setU64(bytes, t.offsetAt, 2n ** 64n - 32n), "reject");
    if (i > 0)
      add(
        `${label}: overlaps the previous tensor`,
        setU64(bytes, t.offsetAt, BigInt(file.tensors[i - 1]!.offset)),
        "reject",
      );
  }
  // Two tensors with the same name (attn_k renamed to attn_q: same length).
  const k = file.tensors.find((t) => t.name === "blk.0.attn_k.weight")!;
  add(
    "duplicate tensor name",
    patched(bytes, k.start + 8, (d) =>
      new Uint8Array(d.buffer, d.byteOffset, 19).set(new TextEncoder().encode("blk.0.attn_q.weight")),
    ),
    "reject",
  );

  // Alignment.
  // The writer refuses bad alignments, so a valid one is written and then overwritten.
  const aligned64 = editGguf(file, { setKeys: { "general.alignment": ggufValue.uint32(64) } });
  add("general.alignment 64 (valid)", aligned64, "load");
  const alignmentAt = readGguf(aligned64).metadata.get("general.alignment")!.valueStart;
  for (const a of [0, 3, 48, 2 ** 31])
    add(`general.alignment ${a}`, setU32(aligned64, alignmentAt, a), "reject");
  const stringAlignment = editGguf(file, { setKeys: { "general.alignmenX": ggufValue.string("32") } });
  const renamedAt = readGguf(stringAlignment).metadata.get("general.alignmenX")!.start + 8;
  add(
    "general.alignment as a string",
    patched(stringAlignment, renamedAt + 16, (d) => d.setUint8(0, "t".charCodeAt(0))),
    "reject",
  );

  // Missing keys: required ones must be reported; optional ones have llama.cpp's defaults.
  const required = [
    "general.architecture",
    "llama.context_length",
    "llama.embedding_length",
    "llama.block_count",
    "llama.feed_forward_length",
    "llama.attention.head_count",
    "llama.attention.head_count_kv", // the default (head_count) disagrees with the K/V shapes here
    "llama.attention.layer_norm_rms_epsilon",
    "tokenizer.ggml.model",
    "tokenizer.ggml.tokens",
  ];
  for (const key of required) edit(`missing ${key}`, { dropKeys: [key] }, "reject");
  for (const key of [
    "llama.rope.freq_base",
    "llama.rope.dimension_count",
    "tokenizer.ggml.scores",
    "tokenizer.ggml.token_type",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.add_space_prefix",
  ]) {
    edit(`missing ${key}`, { dropKeys: [key] }, "either");
  }
  edit("architecture gpt2", { setKeys: { "general.architecture": ggufValue.string("gpt2") } }, "reject");
  edit("architecture as a number", { setKeys: { "general.architecture": ggufValue.uint32(1) } }, "reject");
  edit(
    "tokenizer model unknown",
    { setKeys: { "tokenizer.ggml.model": ggufValue.string("wordpiece-x") } },
    "reject",
  );
  edit(
    "embedding_length as a string",
    { setKeys: { "llama.embedding_length": ggufValue.string("64") } },
    "reject",
  );

  // Missing tensors (output.weight may be absent: the output is then tied to token_embd).
  for (const name of [
    "token_embd.weight",
    "output_norm.weight",
    "blk.0.attn_norm.weight",
    "blk.0.attn_q.weight",
    "blk.0.attn_k.weight",
    "blk.0.attn_v.weight",
    "blk.0.attn_output.weight",
    "blk.0.ffn_norm.weight",
    "blk.0.ffn_gate.weight",
    "blk.0.ffn_up.weight",
    "blk.1.ffn_down.weight",
  ]) {
    edit(`missing tensor ${name}`, { dropTensors: [name] }, "reject");
  }
  edit("no output.weight (tied output)", { dropTensors: ["output.weight"] }, "load");

  // Shapes and metadata that disagree.
  const n = (key: string) => Number(file.metadata.get(key)!.value);
  const dim = n("llama.embedding_length");
  const nVocab = (file.metadata.get("tokenizer.ggml.tokens")!.value as string[]).length;
  for (const [key, value, expect] of [
    ["llama.embedding_length", dim * 2, "reject"],
    ["llama.embedding_length", 0, "reject"],
    ["llama.attention.head_count", 3, "reject"],
    ["llama.attention.head_count", 0, "reject"],
    ["llama.attention.head_count_kv", 3, "reject"],
    ["llama.attention.head_count_kv", 0, "reject"],
    ["llama.block_count", n("llama.block_count") + 1, "reject"],
    ["llama.block_count", 100000, "reject"],
    ["llama.feed_forward_length", n("llama.feed_forward_length") + 32, "reject"],
    ["llama.rope.dimension_count", 1000, "reject"],
    ["llama.rope.dimension_count", 3, "reject"],
    ["llama.context_length", 0, "either"], // the child asks for a context of 16 itself
    ["tokenizer.ggml.bos_token_id", nVocab + 5, "reject"],
    ["tokenizer.ggml.eos_token_id", 2 ** 31, "reject"],
  ] as const) {
    edit(`${key} = ${value}`, { setKeys: { [key]: ggufValue.uint32(value) } }, expect);
  }
  const weightType = file.tensors.find((t) => t.name === "blk.0.attn_q.weight")!.typeName!;
  const blank = (type: typeof weightType, shape: number[]) => ({
    type,
    shape,
    data: new Uint8Array(
      ggmlTensorBytes(
        ggmlTypeTraits(type),
        shape.reduce((a, b) => a * b, 1),
      ),
    ),
  });
  edit(
    "attn_q with half the rows",
    { tensors: { "blk.0.attn_q.weight": blank(weightType, [dim, dim / 2]) } },
    "reject",
  );
  edit(
    "attn_output with a trailing dimension of 1",
    { tensors: { "blk.1.attn_output.weight": blank(weightType, [dim, dim, 1]) } },
    "either",
  );
  // Same bytes as [dim, dim]; llama.cpp refuses the shape, an engine may read it as dim rows.
  edit(
    "attn_q as a 3-d tensor",
    { tensors: { "blk.0.attn_q.weight": blank(weightType, [dim, dim / 2, 2]) } },
    "either",
  );
  edit(
    "token_embd with one row less than the vocabulary",
    { tensors: { "token_embd.weight": blank(weightType, [dim, nVocab - 1]) } },
    "reject",
  );
  edit(
    "output.weight with one row more",
    { tensors: { "output.weight": blank(weightType, [dim, nVocab + 1]) } },
    "reject",
  );
  edit(
    "ffn_gate rows disagree with feed_forward_length",
    { tensors: { "blk.0.ffn_gate.weight": blank(weightType, [dim, n("llama.feed_forward_length") + 32]) } },
    "reject",
  );
  edit(
    "attn_norm of the wrong length",
    { tensors: { "blk.0.attn_norm.weight": blank("F32", [dim + 1]) } },
    "reject",
  );
  edit("output_norm stored as Q8_0", { tensors: { "output_norm.weight": blank("Q8_0", [dim]) } }, "either");
  edit(
    "scores shorter than tokens",
    { setKeys: { "tokenizer.ggml.scores": ggufValue.array("float32", new Array(nVocab - 1).fill(0)) } },
    "reject",
  );
  edit(
    "token_type longer than tokens",
    { setKeys: { "tokenizer.ggml.token_type": ggufValue.array("int32", new Array(nVocab + 1).fill(1)) } },
    "reject",
  );
  edit(
    "token_type values out of range",
    { setKeys: { "tokenizer.ggml.token_type": ggufValue.array("int32", new Array(nVocab).fill(99)) } },
    "either",
  );
  edit(
    "tokens not an array of strings",
    { setKeys: { "tokenizer.ggml.tokens": ggufValue.array("int32", new Array(nVocab).fill(1)) } },
    "reject",
  );
  edit(
    "empty token strings",
    { setKeys: { "tokenizer.ggml.tokens": ggufValue.array("string", new Array(nVocab).fill("")) } },
    "either",
  );
  edit(
    "a mixed-type model (attn_q in F16)",
    { tensors: { "blk.0.attn_q.weight": blank("F16", [dim, dim]) } },
    "load",
  );

  // Seeded bit flips in the header and tensor infos: anything may happen except a crash.
  const rng = new Random(2024);
  for (let i = 0; i < 200; i++) {
    const at = rng.int(file.dataStart);
    const bit = rng.int(8);
    add(
      `bit flip at byte ${at} bit ${bit}`,
      patched(bytes, at, (d) => d.setUint8(0, d.getUint8(0) ^ (1 << bit))),
      "either",
    );
  }
  return cases;
}

function lastDataByte(file: ReadGguf): number {
  let end = 0;
  for (const t of file.tensors) {
    end = Math.max(
      end,
      file.dataStart +
        t.offset +
        ggmlTensorBytes(
          ggmlTypeTraits(t.typeName!),
          t.shape.reduce((a, b) => a * b, 1),
        ),
    );
  }
  return end;
}
