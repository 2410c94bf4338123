// Model Markdown must not make the reader's browser fetch anything: an image would be a tracking
// pixel on every reviewer and admin who opens the response.
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown";

describe("Markdown", () => {
  it("shows a remote image as its description and a link, never as an image", () => {
    const html = renderToStaticMarkup(<Markdown text="Hi ![pixel](https://tracker.example/p.gif?who=me)" />);
    expect(html).not.toContain("<img");
    expect(html).toContain('<a href="https://tracker.example/p.gif?who=me"');
    expect(html).toContain("[image: pixel]");
  });

  it("shows an inline (data:) image as its description only", () => {
    const html = renderToStaticMarkup(<Markdown text="![dot](data:image/gif;base64,R0lGODlhAQABAAAAACw=)" />);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("data:image");
    expect(html).toContain("[image: dot]");
  });

  it("still renders the rest of the Markdown", () => {
    const html = renderToStaticMarkup(<Markdown text={"**bold** and [a link](https://example.com)"} />);
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('href="https://example.com"');
  });
});
