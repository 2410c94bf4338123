"use client";
// Renders a model response as Markdown (GitHub flavour) with highlighted code. Raw HTML in the
// text is shown as text, never run: responses come from models and are untrusted. Images are
// not loaded either — a remote image would tell its server who reads the response, and when
// (the Content-Security-Policy blocks them too) — so an image shows as its description and a link.
import ReactMarkdown, { type Components } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";
import "highlight.js/styles/github.css";
import "./markdown.css";

const components: Components = {
  img({ src, alt }) {
    const label = `[image${alt ? `: ${alt}` : ""}]`;
    if (typeof src !== "string" || !/^https?:\/\//i.test(src)) return <span>{label}</span>;
    return (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow">
        {label}
      </a>
    );
  },
};

export function Markdown({ text }: { text: string }) {
  return (
    <div className="arbiter-markdown">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        rehypePlugins={[[rehypeHighlight, { detect: true }]]}
        skipHtml
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
