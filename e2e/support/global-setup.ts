import { existsSync } from "node:fs";
import path from "node:path";

/** The e2e server serves the production build: fail early with the fix if there is none. */
export default function globalSetup(): void {
  const buildId = path.resolve(import.meta.dirname, "../../.next/BUILD_ID");
  if (!existsSync(buildId)) {
    throw new Error("no production build found: run `npm run build` first (npm test does this for you)");
  }
}
