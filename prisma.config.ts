import { defineConfig } from "prisma/config";

// Used by Prisma's own CLI (generate, and migrate deploy for users with network access).
// At run time the app applies migrations itself, offline: see server/db/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/tradekeel" },
});
