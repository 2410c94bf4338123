"use client";
// Renders a model response as Markdown (GitHub flavour) with highlighted code. Raw HTML in the
// text is shown as text, never run: responses come from models and are untrusted.
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import "highlight.js/styles/github.css";
import "./markdown.css";

export function Markdown({ text }: { text: string }) {
  return (
    <div className="arbiter-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: true }]]}
        skipHtml
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
