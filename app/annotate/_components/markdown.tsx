"use client";
// Markdown of responses and guidelines. The parser and its plugins are most of a page's script,
// so they arrive in a chunk of their own after the page: until then the text shows as written.
import { lazy, Suspense } from "react";

const MarkdownRenderer = lazy(() => import("./markdown-renderer"));

/** `isStreaming`: the text is still growing (see markdown-renderer.tsx). */
export function Markdown({ text, isStreaming = false }: { text: string; isStreaming?: boolean }) {
  return (
    <Suspense fallback={<div className="arbiter-markdown whitespace-pre-wrap">{text}</div>}>
      <MarkdownRenderer text={text} isStreaming={isStreaming} />
    </Suspense>
  );
}
