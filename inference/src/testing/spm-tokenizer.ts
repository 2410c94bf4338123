// A plain SentencePiece-BPE tokenizer with llama.cpp's rules (escape spaces as ▁, optional
// leading space, merge the adjacent pair whose merged piece has the highest score, leftmost
// first on ties, byte fallback). Tests only: it checks that the vocabularies we write into
// GGUF files tokenize like Llama 2 before the engine's tokenizer is compared with them.

import { TOKEN_TYPE, type SpmVocabulary } from "../llama-vocab";

interface Bigram {
  left: number; // symbol index
  right: number;
  score: number;
  size: number; // byte length of the merged text when queued: stale entries are skipped
}

class BigramQueue {
  private heap: Bigram[] = [];

  private before(a: Bigram, b: Bigram): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }

  push(item: Bigram): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): Bigram | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && this.before(heap[l]!, heap[best]!)) best = l;
        if (r < heap.length && this.before(heap[r]!, heap[best]!)) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }
}

export class SpmTokenizer {
  private readonly ids = new Map<string, number>();

  constructor(private readonly vocab: SpmVocabulary) {
    vocab.tokens.forEach((token, id) => {
      if (!this.ids.has(token)) this.ids.set(token, id);
    });
  }

  encode(text: string, options: { addSpacePrefix?: boolean } = {}): number[] {
    if (text.length === 0) return [];
    const escaped = ((options.addSpacePrefix ?? true) ? " " + text : text).replaceAll(" ", "\u2581");
    const symbols = Array.from(escaped).map((ch) => ({ text: ch, prev: -1, next: -1 }));
    symbols.forEach((s, i) => {
      s.prev = i - 1;
      s.next = i + 1 < symbols.length ? i + 1 : -1;
    });
    const queue = new BigramQueue();
    const tryAdd = (left: number, right: number) => {
      if (left === -1 || right === -1) return;
      const merged = symbols[left]!.text + symbols[right]!.text;
      const id = this.ids.get(merged);
      if (id === undefined) return;
      queue.push({ left, right, score: this.vocab.scores[id]!, size: merged.length });
    };
    for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
    for (let bigram = queue.pop(); bigram; bigram = queue.pop()) {
      const left = symbols[bigram.left]!;
      const right = symbols[bigram.right]!;
      if (
        left.text.length === 0 ||
        right.text.length === 0 ||
        left.text.length + right.text.length !== bigram.size
      )
        continue;
      left.text += right.text;
      right.text = "";
      left.next = right.next;
      if (right.next !== -1) symbols[right.next]!.prev = bigram.left;
      tryAdd(left.prev, bigram.left);
      tryAdd(bigram.left, left.next);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1; i = symbols[i]!.next) {
      const piece = symbols[i]!.text;
      const id = this.ids.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const byte of new TextEncoder().encode(piece)) {
        out.push(this.ids.get(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`) ?? this.vocab.unkId);
      }
    }
    return out;
  }

  /** Bytes of the pieces (▁ as space, byte tokens as their byte, control tokens as nothing). */
  decodeBytes(ids: number[]): Uint8Array {
    const bytes: number[] = [];
    for (const id of ids) {
      const type = this.vocab.types[id];
      const token = this.vocab.tokens[id]!;
      if (type === TOKEN_TYPE.byte) bytes.push(parseInt(token.slice(3, 5), 16));
      else if (type === TOKEN_TYPE.normal || type === TOKEN_TYPE.userDefined) {
        bytes.push(...new TextEncoder().encode(token.replaceAll("\u2581", " ")));
      }
    }
    return new Uint8Array(bytes);
  }

  /** Text of the ids, without the leading space the tokenizer adds. */
  decode(ids: number[]): string {
    const text = new TextDecoder().decode(this.decodeBytes(ids));
    return text.startsWith(" ") ? text.slice(1) : text;
  }
}
