import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["server/**/*.test.ts", "tests/**/*.test.ts", "components/**/*.test.ts", "bench/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    // A hook that opens an embedded database or starts a simulator takes minutes, not seconds, on a saturated machine.
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
