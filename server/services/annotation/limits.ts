// Length limits shared by the services (which enforce them) and the workspace (which counts
// characters as people type).
export const PROMPT_MAX_CHARS = 8000;
export const NOTE_MAX_CHARS = 2000;

export const promptTooLongMessage = `A prompt can be at most ${PROMPT_MAX_CHARS.toLocaleString("en-US")} characters long. Shorten it and send again.`;
export const noteTooLongMessage = `A note can be at most ${NOTE_MAX_CHARS.toLocaleString("en-US")} characters long. Shorten it and submit again.`;
