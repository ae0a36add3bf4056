import { defineConfig } from "prisma/config";

// Only the Prisma CLI reads this file. The bot itself migrates through src/db/migrate.ts, which
// works where the CLI cannot download its schema engine. `prisma migrate deploy` still works
// against the same database wherever the engine is available.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/placeholder" },
});
