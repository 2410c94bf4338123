// Varied text for tokenizer tests: prose, whitespace runs, digits, code, emoji, CJK, mixed
// scripts, and seeded random strings built from vocabulary pieces and odd characters.

import { Random } from "../random";

// Published Llama 2 tokenizations (llama.cpp's test-tokenizer-0 for the llama vocabulary).
export const LLAMA2_VECTORS: readonly [string, number[]][] = [
  ["Hello world", [15043, 3186]],
  [" Hello world", [29871, 15043, 3186]],
  ["\n", [29871, 13]],
  [" this is 🦙.cpp", [29871, 445, 338, 29871, 243, 162, 169, 156, 29889, 8223]],
];

export const VARIED_TEXTS: readonly string[] = [
  "Hello world",
  " Hello world",
  "Hello World",
  "\n",
  " this is 🦙.cpp",
  "The quick brown fox jumps over the lazy dog.",
  "  two leading spaces and trailing two  ",
  "tabs\tand\nnew\n\nlines\r\n",
  "    indented = 4\n        deeper = 8\n",
  "numbers: 0 1 12 123 1234 12345 3.14159 -42 1e10 0x1F",
  'function add(a, b) {\n  return a + b; // sum\n}\nconsole.log(add(1, 2) === 3 ? "ok" : "bad");',
  "def f(x):\n\treturn [i ** 2 for i in range(x) if i % 2 == 0]",
  '<html><body class="x">&amp; &lt;tag&gt;</body></html>',
  "emoji: 🦙 👍🏽 👨‍👩‍👧 ❤️ 🇫🇷",
  "日本語のテキストです。中文文本。한국어 텍스트.",
  "Привет, мир! Ελληνικά. עברית. العربية.",
  "Ünïcödé àccents: naïve café résumé Ångström",
  "mixed: abc日本🦙def\u00a0nbsp\u200bzwsp",
  "punctuation!!! ??? ... --- *** ### $$$ %%% ^^^ &&& ((())) [[[]]] {{{}}}",
  "a",
  " ",
  "   ",
  "\t",
  "<s> and </s> are plain text here",
  "URL: https://example.com/path?q=1&r=two#frag",
  "email@example.org, @mention #hashtag",
  "1+1=2, 2*3=6, 10/2=5, 2^10=1024",
  "Mr. O'Neil's dog—isn't it “quoted”?",
];

/** Random strings: runs of ASCII, spaces, digits and a few multi-byte characters. */
export function randomTexts(count: number, seed: number): string[] {
  const rng = new Random(seed);
  const alphabet = [
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    ..." ".repeat(20),
    ...".,;:!?'\"()[]{}<>-_=+*/\\|@#$%^&~`\n\t",
    "é",
    "ß",
    "日",
    "本",
    "🦙",
    "€",
    "ñ",
    "ж",
    "→",
    "\u00a0",
  ];
  const words = ["the", "and", " of", "ing", "tion", "Hello", "world", "    ", "\n\n", "ation", "er", "re"];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = "";
    const length = 1 + rng.int(40);
    for (let j = 0; j < length; j++) {
      text += rng.next() < 0.3 ? words[rng.int(words.length)] : alphabet[rng.int(alphabet.length)];
    }
    out.push(text);
  }
  return out;
}
