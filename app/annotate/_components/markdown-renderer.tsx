"use client";
// Renders a model response as Markdown (GitHub flavour) with highlighted code. Raw HTML in the
// text is shown as text, never run: responses come from models and are untrusted. Images are
// not loaded either — a remote image would tell its server who reads the response, and when
// (the Content-Security-Policy blocks them too) — so an image shows as its description and a link.
// While a response streams in, only its last block is parsed again on each token (the blocks
// before it are finished), and the syntax highlighter is loaded only when a text has code.
// Pages load this module lazily through markdown.tsx.
import { memo, useEffect, useState } from "react";
import ReactMarkdown, { type Components, type Options } from "react-markdown";
import remarkGfm from "remark-gfm";
import "highlight.js/styles/github.css";
import "./markdown.css";
import { markdownBlocks } from "./markdown-blocks";

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

type PluggableList = NonNullable<Options["rehypePlugins"]>;

const REMARK_PLUGINS: PluggableList = [remarkGfm];
const NO_PLUGINS: PluggableList = [];

/** Fenced or indented code: the only Markdown the highlighter changes. */
const hasCode = (text: string) => /^ {0,3}(```|~~~)|^( {4}|\t)\S/m.test(text);

let highlightPlugins: PluggableList | null = null;
let loadingHighlight: Promise<PluggableList> | null = null;

/** The highlighter (most of the Markdown code's weight), fetched the first time code appears. */
function useHighlightPlugins(isNeeded: boolean): PluggableList {
  const [plugins, setPlugins] = useState(highlightPlugins);
  useEffect(() => {
    if (!isNeeded || plugins) return;
    let isCurrent = true;
    loadingHighlight ??= import("rehype-highlight").then(
      ({ default: rehypeHighlight }) => (highlightPlugins = [[rehypeHighlight, { detect: true }]]),
    );
    void loadingHighlight.then((loaded) => isCurrent && setPlugins(loaded));
    return () => {
      isCurrent = false;
    };
  }, [isNeeded, plugins]);
  return (isNeeded && plugins) || NO_PLUGINS;
}

/** One parse and render; memo keeps a finished block's output while later text arrives. */
const MarkdownBlock = memo(function MarkdownBlock({
  text,
  rehypePlugins,
}: {
  text: string;
  rehypePlugins: PluggableList;
}) {
  return (
    <ReactMarkdown
      remarkPlugins={REMARK_PLUGINS}
      rehypePlugins={rehypePlugins}
      skipHtml
      components={components}
    >
      {text}
    </ReactMarkdown>
  );
});

/** `isStreaming`: the text is still growing, so it is rendered block by block. */
export default function MarkdownRenderer({
  text,
  isStreaming = false,
}: {
  text: string;
  isStreaming?: boolean;
}) {
  const highlight = useHighlightPlugins(hasCode(text));
  if (!isStreaming) {
    return (
      <div className="arbiter-markdown">
        <MarkdownBlock text={text} rehypePlugins={highlight} />
      </div>
    );
  }
  const blocks = markdownBlocks(text);
  return (
    <div className="arbiter-markdown">
      {blocks.map((block, index) => (
        // The growing last block is not highlighted: guessing its language on every token costs most.
        <MarkdownBlock
          key={index}
          text={block}
          rehypePlugins={index < blocks.length - 1 ? highlight : NO_PLUGINS}
        />
      ))}
    </div>
  );
}
