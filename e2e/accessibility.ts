// Accessibility checks the specs share: axe-core at WCAG 2.2 AA on the page as it stands, the
// keyboard's next stop with its focus ring, and the width the page needs.
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { expect } from "./fixtures";

/** Every WCAG 2.0, 2.1 and 2.2 success criterion at levels A and AA that axe-core can check. */
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * axe-core's violations of WCAG 2.2 AA on the page, one line each ("" when none). The rule for
 * 2.5.3 Label in Name is still marked experimental in axe-core, so it is turned on by name.
 */
export async function wcagViolations(page: Page, where: string): Promise<string[]> {
  // options() replaces every option, so it comes before withTags() adds the tags.
  const results = await new AxeBuilder({ page })
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .withTags(WCAG_22_AA)
    .analyze();
  return results.violations.map(
    (violation) =>
      `${where}: ${violation.id} (${violation.impact}) ${violation.help}: ` +
      violation.nodes
        .slice(0, 4)
        .map((node) => node.target.join(" "))
        .join(", "),
  );
}

/** What has the keyboard's focus, and whether it shows (an outline or a ring). */
function focusedElement(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    return {
      description: `<${element.tagName.toLowerCase()}> ${(element.getAttribute("aria-label") ?? element.textContent ?? "").trim().slice(0, 40)}`,
      isVisible:
        (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none",
    };
  });
}

/** Presses Tab until `target` has focus; every stop on the way must show where focus is. */
export async function tabTo(page: Page, target: Locator, maxPresses = 60) {
  for (let presses = 0; presses < maxPresses; presses++) {
    await page.keyboard.press("Tab");
    const focused = await focusedElement(page);
    if (focused) expect(focused.isVisible, `a visible focus ring on ${focused.description}`).toBe(true);
    if (await target.evaluate((element) => element === document.activeElement)) return;
  }
  throw new Error(`Tab did not reach ${target} in ${maxPresses} presses`);
}

/** The page's width against the viewport's: no sideways scrolling. */
export async function expectNoHorizontalScroll(page: Page, where: string) {
  const { scrollWidth, viewportWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
  }));
  expect(
    scrollWidth,
    `${where}: page width ${scrollWidth} px on a ${viewportWidth} px screen`,
  ).toBeLessThanOrEqual(viewportWidth);
}
