// Splits Markdown into its top-level blocks, so that a response streaming in re-parses only its
// last, growing block: the blocks before it are finished and keep their rendered form.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The text cut at blank lines that are outside fenced code and not followed by an indented line
 * (which would continue a list item or an indented code block).
 */
export function markdownBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let blankLines = 0;
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const isBlank = line.trim() === "";
    if (fence === null && isBlank) {
      if (current.length > 0) blankLines++;
      continue;
    }
    if (blankLines > 0) {
      if (fence === null && !/^[ \t]/.test(line)) {
        blocks.push(current.join("\n"));
        current = [];
      } else {
        current.push(...Array<string>(blankLines).fill(""));
      }
      blankLines = 0;
    }
    const marker = FENCE.exec(line)?.[1];
    if (marker && fence === null) fence = marker;
    else if (marker && fence !== null && marker[0] === fence[0] && marker.length >= fence.length)
      fence = null;
    current.push(line);
  }
  if (current.length > 0) blocks.push(current.join("\n"));
  return blocks;
}
