// The comprehension check as admins type it: one question per block, blank lines between
// blocks, the question on the first line, then one option per line: "* " marks the right one,
// "- " the others.

export interface WrittenQuestion {
  question: string;
  options: string[];
  correctOption: number;
}

/** The questions, or the number (from 1) of the first block that is not a question with its
 * options and exactly one right one; the page says what is wrong in the reader's language. */
export function parseComprehensionText(
  text: string,
): { questions: WrittenQuestion[] } | { invalidQuestion: number } {
  const blocks = text
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    )
    .filter((lines) => lines.length > 0);
  const questions: WrittenQuestion[] = [];
  for (const [index, [question, ...lines]] of blocks.entries()) {
    const options = lines.map((line) => line.replace(/^[*-]\s*/, ""));
    const correct = lines.flatMap((line, lineIndex) => (line.startsWith("*") ? [lineIndex] : []));
    if (lines.some((line) => !/^[*-]/.test(line)) || options.length < 2 || correct.length !== 1) {
      return { invalidQuestion: index + 1 };
    }
    questions.push({ question, options, correctOption: correct[0] });
  }
  return { questions };
}
