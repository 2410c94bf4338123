// The annotator's optional free-text note, as submit and report-problem both take it.
import { z } from "zod";

import { NOTE_MAX_CHARS, noteTooLongMessage } from "@/lib/constants";

export const AnnotatorNote = z
  .string()
  .trim()
  .max(NOTE_MAX_CHARS, noteTooLongMessage)
  .refine(
    (text) => !text.includes("\u0000"),
    "The note contains a NUL character. Remove it and submit again.",
  )
  .optional();
