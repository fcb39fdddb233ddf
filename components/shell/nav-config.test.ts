import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { activeNavKey, NAV_ITEMS } from "./nav-config";

const dashboardDir = path.resolve(import.meta.dirname, "../../app/(dashboard)");

describe("navigation", () => {
  it("highlights the page the trader is on, including sub-paths", () => {
    expect(activeNavKey("/")).toBe("overview");
    expect(activeNavKey("/trades")).toBe("trades");
    expect(activeNavKey("/trades/t-1")).toBe("trades");
    expect(activeNavKey("/tradesx")).toBe("");
  });
  it("every menu entry leads to a page that exists, once", () => {
    const hrefs = NAV_ITEMS.map((i) => i.href);
    expect(new Set(hrefs).size).toBe(hrefs.length);
    for (const href of hrefs) {
      expect(existsSync(path.join(dashboardDir, href, "page.tsx")), `${href} has no page`).toBe(true);
    }
  });
});
