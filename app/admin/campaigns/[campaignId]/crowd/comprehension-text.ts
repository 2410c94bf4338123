// The comprehension check as admins type it: one question per block, blank lines between
// blocks, the question on the first line, then one option per line: "* " marks the right one,
// "- " the others.

export interface WrittenQuestion {
  question: string;
  options: string[];
  correctOption: number;
}

/** The questions, or the first problem found, naming its block. */
export function parseComprehensionText(text: string): { questions: WrittenQuestion[] } | { error: string } {
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
      return {
        error: `Question ${index + 1}: write the question, then its options one a line, starting the right one with "* " and the others with "- ".`,
      };
    }
    questions.push({ question, options, correctOption: correct[0] });
  }
  return { questions };
}
