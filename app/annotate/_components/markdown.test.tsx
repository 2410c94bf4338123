// Model Markdown must not make the reader's browser fetch anything: an image would be a tracking
// pixel on every reviewer and admin who opens the response.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import MarkdownRenderer from "./markdown-renderer";

describe("MarkdownRenderer", () => {
  it("shows a remote image as its description and a link, never as an image", () => {
    const html = renderToStaticMarkup(
      <MarkdownRenderer text="Hi ![pixel](https://tracker.example/p.gif?who=me)" />,
    );
    expect(html).not.toContain("<img");
    expect(html).toContain('<a href="https://tracker.example/p.gif?who=me"');
    expect(html).toContain("[image: pixel]");
  });

  it("shows an inline (data:) image as its description only", () => {
    const html = renderToStaticMarkup(
      <MarkdownRenderer text="![dot](data:image/gif;base64,R0lGODlhAQABAAAAACw=)" />,
    );
    expect(html).not.toContain("<img");
    expect(html).not.toContain("data:image");
    expect(html).toContain("[image: dot]");
  });

  it("still renders the rest of the Markdown", () => {
    const html = renderToStaticMarkup(
      <MarkdownRenderer text={"**bold** and [a link](https://example.com)"} />,
    );
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('href="https://example.com"');
  });

  it("renders a streaming text block by block to the same HTML as the finished text", () => {
    const text = "# Title\n\nSome **bold** text.\n\n- one\n- two\n\n```\ncode\n\nmore code\n```\n\nThe end.";
    // Whole-text rendering puts a newline between block elements; it is not displayed.
    const html = (streaming: boolean) =>
      renderToStaticMarkup(<MarkdownRenderer text={text} isStreaming={streaming} />).replace(/>\n</g, "><");
    expect(html(true)).toBe(html(false));
    expect(html(true)).toContain("<pre><code>code\n\nmore code\n</code></pre>");
  });
});
