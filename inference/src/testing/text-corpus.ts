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

/**
 * Text kinds tokenizers split differently, for comparing with llama.cpp: code, CJK, emoji,
 * digits, whitespace runs, contractions, special-token look-alikes of several families, other
 * scripts.
 */
export const TOKENIZER_CORPUS: Record<string, string[]> = {
  code: [
    'def mean(xs):\n    """Average."""\n    if not xs:\n        return 0.0\n\n    return sum(xs) / len(xs)\n',
    "export function add(a, b) {\n\treturn a + b; // sum\n}\n\nconst x = { a: 1, b: [2, 3] };\n",
    '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }\n',
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    '<div class="a">&amp;</div>',
    "x+=1;y--;z**=2",
  ],
  cjk: [
    "日本語のテキスト。",
    "中文文本，还有标点！",
    "한국어 텍스트",
    "你好世界",
    "東京都庁",
    "混合English和中文",
  ],
  emoji: ["👨‍👩‍👧‍👦 family", "❤️‍🔥 ❤️", "🇯🇵🇫🇷", "👍🏽👍🏿", "I 🦙 llamas 🦙🦙"],
  digits: ["1234567", "1234567890 12 3", "3.14159", "$1,000,000.00", "at 10:30pm on 2024-05-01", "٣٤٥٦٧ ۱۲۳"],
  whitespace: [
    "Hello  world",
    "   three leading",
    "trailing three   ",
    "a  b   c    d",
    "     ",
    "\n\n\n",
    "line one\r\nline two\r\n",
    "\ttab\t\tx",
    "   \t  \n",
    " \n \n x",
  ],
  contractions: ["I'm", "don't", "WE'LL", "They'RE here", "she'd've", "rock'n'roll"],
  "special-token look-alikes": [
    "<|im_end|>",
    "<|im_start|>user\nhi<|im_end|>",
    "<|endoftext|> and <|fim_pad|>",
    "<|im_end|x>",
    "<| im_end |>",
    "<think>reasoning</think>",
    "<tool_call>{}</tool_call>",
    "</s><s>[INST]",
    "<end_of_turn><start_of_turn>model",
  ],
  "other scripts": ["Привет, мир!", "مرحبا بالعالم", "Ελληνικά", "ภาษาไทย", "नमस्ते दुनिया"],
};
/**
 * Random strings of the characters pre-tokenizer regexes treat differently: letters of every
 * case and script, digits of other scripts, white space of every kind, contraction letters,
 * combining marks, ZWJ, unassigned and private-use code points. `extra` adds characters to the
 * pool (U+0085 and U+FEFF, which JavaScript's \s gets wrong, for oracles that are not JavaScript).
 */
export function regexEdgeTexts(
  count: number,
  seed: number | string,
  extra: readonly string[] = [],
): string[] {
  const pool = [
    ..."aZéжİſǅẞ日本語Ꙋﷺ1٣½²'sSlLeE!._-",
    ...[" ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2028", "\u3000", "\u200b", "\u200d", "\u0301"],
    ...["re", "ll", "🦙", "👍🏽", "\u0001", "\u001c", "\u0378", "\u{10FFFD}"],
    ...extra,
  ];
  const rng = new Random(seed);
  return Array.from({ length: count }, () => {
    let text = "";
    for (let n = 1 + rng.int(30); n > 0; n--) text += pool[rng.int(pool.length)];
    return text;
  });
}

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
