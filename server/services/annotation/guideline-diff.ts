// What changed between two guideline versions, line by line (a longest-common-subsequence diff),
// for annotators who acknowledged the earlier version.

export interface DiffLine {
  change: "added" | "removed" | "same";
  text: string;
}

/** Guidelines are at most 50,000 characters; past this many lines a side, the table of common
 * lengths would grow too large, and the new version is shown whole as added. */
const MAX_DIFF_LINES = 2_000;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return b.map((text) => ({ change: "added", text }));
  }
  // common[i][j]: the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i][j] = a[i] === b[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      lines.push({ change: "same", text: a[i] });
      i++;
      j++;
    } else if (common[i + 1][j] >= common[i][j + 1]) {
      lines.push({ change: "removed", text: a[i++] });
    } else {
      lines.push({ change: "added", text: b[j++] });
    }
  }
  while (i < a.length) lines.push({ change: "removed", text: a[i++] });
  while (j < b.length) lines.push({ change: "added", text: b[j++] });
  return lines;
}
