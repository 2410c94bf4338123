// Reads prompts out of uploaded files: JSONL, CSV, Parquet, or a Hugging Face dataset folder (its
// data files in any of those formats). Columns are recognised by the names common datasets use
// (prompt / instruction + input / question / messages…, system, category, reference answer), so
// most files import without a mapping step. Errors name the file and the row.
import { parquetReadObjects } from "hyparquet";
import { PROMPT_MAX_CHARS } from "@/lib/constants";
import type { PromptSetFormat } from "@/db/schema";
import { ValidationError } from "@/server/errors";

/** At most this many prompts per set, and these many characters per field. */
export const PROMPT_SET_MAX_ITEMS = 50_000;
export const SYSTEM_PROMPT_MAX_CHARS = 20_000;
export const REFERENCE_ANSWER_MAX_CHARS = 100_000;
export const CATEGORY_MAX_CHARS = 100;

export interface PromptFile {
  /** The file's name, or its path inside a dataset folder (`data/train-00000-of-00001.parquet`). */
  name: string;
  bytes: Uint8Array;
}

export interface ImportedPrompt {
  prompt: string;
  systemPrompt: string | null;
  category: string | null;
  referenceAnswer: string | null;
}

const PROMPT_COLUMNS = ["prompt", "instruction", "question", "query", "input", "text"];
const SYSTEM_COLUMNS = ["system_prompt", "system", "system_instruction", "system_message"];
const CATEGORY_COLUMNS = ["category", "risk_category", "topic", "type", "task"];
const REFERENCE_COLUMNS = ["reference_answer", "reference", "answer", "output", "response", "completion"];
const MESSAGE_COLUMNS = ["messages", "conversations", "conversation"];

const DATA_EXTENSIONS: Record<string, Exclude<PromptSetFormat, "huggingface">> = {
  ".jsonl": "jsonl",
  ".json": "jsonl",
  ".csv": "csv",
  ".parquet": "parquet",
};

/** Every prompt of the files, in file order (a dataset folder: its data files by path). */
export async function readPromptFiles(
  format: PromptSetFormat,
  files: PromptFile[],
): Promise<ImportedPrompt[]> {
  const chosen = format === "huggingface" ? datasetDataFiles(files) : files;
  const prompts: ImportedPrompt[] = [];
  for (const file of chosen) {
    const fileFormat = format === "huggingface" ? DATA_EXTENSIONS[extensionOf(file.name)] : format;
    const rows = await readRows(fileFormat, file);
    rows.forEach((row, index) => prompts.push(promptOf(row, `${file.name}, row ${index + 1}`)));
    if (prompts.length > PROMPT_SET_MAX_ITEMS) {
      throw new ValidationError(
        `A prompt set holds at most ${PROMPT_SET_MAX_ITEMS.toLocaleString("en-US")} prompts; split the file.`,
      );
    }
  }
  if (prompts.length === 0) throw new ValidationError("The files hold no prompts.");
  return prompts;
}

const extensionOf = (name: string) => name.slice(name.lastIndexOf(".")).toLowerCase();

/** A Hugging Face dataset folder: its data files (README, .gitattributes and scripts are left
 * out); when a "train" split is among them, only that split, as `datasets` loads by default. */
export function datasetDataFiles(files: PromptFile[]) {
  const data = files
    .filter((file) => extensionOf(file.name) in DATA_EXTENSIONS && !/(^|\/)\./.test(file.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const split = (file: PromptFile) => /(^|[/_.-])train([/_.-]|$)/i.test(file.name);
  const chosen = data.some(split) ? data.filter(split) : data;
  if (chosen.length === 0) {
    throw new ValidationError(
      "The folder has no data files (.parquet, .jsonl, .json or .csv). Choose the dataset's folder itself.",
    );
  }
  return chosen;
}

async function readRows(
  format: Exclude<PromptSetFormat, "huggingface">,
  file: PromptFile,
): Promise<unknown[]> {
  if (format === "parquet") return readParquet(file);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(file.bytes).replace(/^\uFEFF/, "");
  if (format === "csv") return readCsv(text, file.name);
  // A .json file of a dataset folder may be one array instead of lines.
  if (text.trimStart().startsWith("[")) return parseJson(text, file.name) as unknown[];
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, index }) => parseJson(line, `${file.name}, line ${index + 1}`));
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${where} is not valid JSON.`);
  }
}

async function readParquet(file: PromptFile) {
  const { buffer, byteOffset, byteLength } = file.bytes;
  try {
    return await parquetReadObjects({
      file: (buffer as ArrayBuffer).slice(byteOffset, byteOffset + byteLength),
    });
  } catch (error) {
    throw new ValidationError(
      `${file.name} could not be read as Parquet (${(error as Error).message}). Snappy-compressed and uncompressed files are supported.`,
    );
  }
}

/** RFC 4180: a header row, fields separated by commas, quoted fields may hold commas, quotes
 * (doubled) and line breaks. */
export function readCsv(text: string, name: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let isQuoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (isQuoted) {
      if (char !== '"') field += char;
      else if (text[index + 1] === '"') field += text[index++];
      else isQuoted = false;
    } else if (char === '"' && field === "") isQuoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += char;
  }
  if (isQuoted) throw new ValidationError(`${name} ends inside a quoted field: a closing quote is missing.`);
  if (field !== "" || record.length > 0) records.push([...record, field]);
  const [header, ...rows] = records.filter((row) => row.some((value) => value.trim() !== ""));
  if (!header) return [];
  const columns = header.map((column) => column.trim());
  return rows.map((row, index) => {
    if (row.length !== columns.length) {
      throw new ValidationError(
        `${name}, row ${index + 1} has ${row.length} fields but the header has ${columns.length}.`,
      );
    }
    return Object.fromEntries(columns.map((column, position) => [column, row[position]]));
  });
}

/** The first of `names` (in that order of preference) that the row has as a column. */
function columnOf(row: Record<string, unknown>, names: string[]) {
  const columns = new Map(Object.keys(row).map((column) => [column.toLowerCase(), column]));
  const found = names.find((name) => columns.has(name));
  return found === undefined ? undefined : row[columns.get(found)!];
}

function field(row: Record<string, unknown>, names: string[]) {
  const value = columnOf(row, names);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** `messages` as chat datasets write it: the system message and the first user message. */
function fromMessages(row: Record<string, unknown>) {
  const messages = columnOf(row, MESSAGE_COLUMNS);
  if (!Array.isArray(messages)) return null;
  const textOf = (roles: string[]) => {
    const message = messages.find(
      (candidate): candidate is Record<string, unknown> =>
        typeof candidate === "object" &&
        candidate !== null &&
        roles.includes(String(candidate.role ?? candidate.from)),
    );
    const content = message?.content ?? message?.value;
    return typeof content === "string" && content.trim() !== "" ? content.trim() : null;
  };
  return { prompt: textOf(["user", "human"]), system: textOf(["system"]) };
}

function limited(value: string | null, max: number, what: string, where: string) {
  if (value !== null && value.length > max) {
    throw new ValidationError(
      `${where}: the ${what} is longer than ${max.toLocaleString("en-US")} characters.`,
    );
  }
  return value;
}

function promptOf(raw: unknown, where: string): ImportedPrompt {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${where} is not an object with a prompt.`);
  }
  const row = raw as Record<string, unknown>;
  const messages = fromMessages(row);
  let prompt = messages?.prompt ?? field(row, PROMPT_COLUMNS);
  // Alpaca's shape: the instruction, and an optional input that goes with it.
  const instruction = field(row, ["instruction"]);
  const input = field(row, ["input"]);
  if (instruction && input) prompt = `${instruction}\n\n${input}`;
  if (!prompt) {
    throw new ValidationError(
      `${where} has no prompt: name its column prompt, instruction, question or text, or give messages.`,
    );
  }
  if (prompt.includes("\u0000")) throw new ValidationError(`${where}: the prompt contains a NUL character.`);
  return {
    prompt: limited(prompt, PROMPT_MAX_CHARS, "prompt", where)!,
    systemPrompt: limited(
      messages?.system ?? field(row, SYSTEM_COLUMNS),
      SYSTEM_PROMPT_MAX_CHARS,
      "system instruction",
      where,
    ),
    category: limited(field(row, CATEGORY_COLUMNS), CATEGORY_MAX_CHARS, "category", where),
    referenceAnswer: limited(
      field(row, REFERENCE_COLUMNS),
      REFERENCE_ANSWER_MAX_CHARS,
      "reference answer",
      where,
    ),
  };
}
