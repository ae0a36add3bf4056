// The production deployment (compose.yaml, deploy/): two bot replicas in Telegram webhook mode behind Caddy, on the
// compose PostgreSQL. Checked without Docker: the YAML as compose reads it, the bots' environment through the bot's
// own configuration loader, the Caddyfile's upstreams and health check, and the alerts' metric names against the
// bot's registry. No YAML parser is a dependency of the project, so Python's PyYAML reads the files; without it the
// suite is skipped locally and fails in CI (as test/browser does without Chromium).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Histogram } from "prom-client";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { registry } from "../../src/metrics/metrics.ts";

const ROOT = join(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const hasPyYaml = spawnSync("python3", ["-c", "import yaml"]).status === 0;
const skip = !hasPyYaml && !process.env.CI;
if (skip) console.warn("[deploy] SKIPPED: python3 with PyYAML is needed to read compose.yaml (apt-get install python3-yaml)");

type Service = {
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
};
function readYaml(file: string): any {
  const script = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)";
  return JSON.parse(execFileSync("python3", ["-c", script, join(ROOT, file)], { encoding: "utf8" }));
}

/** Compose's interpolation: ${X}, ${X:-default}, ${X:?error}, and $$ for a literal $. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g, (match, name: string, op?: string, arg?: string) => {
    if (match === "$$") return "$";
    const v = env[name];
    if (op?.startsWith(":") ? v : v !== undefined) return v!;
    if (op?.endsWith("?")) throw new Error(`${name}: ${arg}`);
    return arg ?? "";
  });
}
const interpolated = (env: Record<string, string> = {}, vars: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), vars)]));

/** .env.example as a map: NAME=value lines. */
function envExample(): Record<string, string> {
  const lines = read(".env.example").split("\n").filter((l) => /^\w+=/.test(l));
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}
/** What an operator writes into .env for the four required settings. */
const FILLED = {
  ...(skip ? {} : envExample()),
  DOMAIN: "bot.congdoan.example.vn",
  TELEGRAM_BOT_TOKEN: "123456789:AAFakeTokenForTestsOnly_abcdefghijk",
  TELEGRAM_WEBHOOK_SECRET: "a".repeat(64),
  POSTGRES_PASSWORD: "0123456789abcdef0123456789abcdef",
};

describe.skipIf(skip)("deployment: compose.yaml and deploy/", () => {
  const compose = skip ? undefined : (readYaml("compose.yaml") as { services: Record<string, Service> });
  const services = compose?.services ?? {};
  // The bot replicas: the services built from this repository's Dockerfile.
  const bots = Object.keys(services).filter((name) => services[name]!.build === ".");
  const caddyfile = skip ? "" : read("deploy/Caddyfile");

  it("runs at least two identical replicas of the bot image, `bot` among them for the CLI commands", () => {
    expect(bots).toContain("bot");
    expect(bots.length).toBeGreaterThanOrEqual(2);
    for (const name of bots) expect(services[name], name).toEqual(services.bot);
  });

  it("starts each replica in webhook mode on the compose PostgreSQL, as the bot's configuration reads it", () => {
    const postgres = interpolated(services.postgres!.environment, FILLED);
    for (const name of bots) {
      const config = loadConfig(interpolated(services[name]!.environment, FILLED));
      const hook = new URL(config.TELEGRAM_WEBHOOK_URL!);
      // Telegram posts only to HTTPS on 443, 80, 88 or 8443: Caddy's 443 for DOMAIN.
      expect([hook.protocol, hook.host, hook.port]).toEqual(["https:", FILLED.DOMAIN, ""]);
      expect(config.TELEGRAM_WEBHOOK_SECRET).toBe(FILLED.TELEGRAM_WEBHOOK_SECRET);
      expect(config.PORT).toBe(8080);
      const db = new URL(config.DATABASE_URL!);
      expect([db.hostname, db.port, db.username, db.password, db.pathname]).toEqual([
        "postgres",
        "5432",
        postgres.POSTGRES_USER,
        postgres.POSTGRES_PASSWORD,
        `/${postgres.POSTGRES_DB}`,
      ]);
      expect(services[name]!.depends_on?.postgres?.condition).toBe("service_healthy");
      // Node's fetch, since the image has no curl.
      const check = services[name]!.healthcheck!.test;
      expect([check[0], check[1], check[3]?.includes("/readyz")]).toEqual(["CMD", "node", true]);
    }
    expect(services.postgres!.healthcheck?.test.join(" ")).toContain("pg_isready");
  });

  it("stops with the name of a required setting left empty in .env", () => {
    for (const name of ["DOMAIN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "POSTGRES_PASSWORD"]) {
      expect(() => interpolated(services.bot!.environment, { ...FILLED, [name]: "" })).toThrow(`${name}: set ${name} in .env`);
    }
  });

  it("publishes ports on the proxy only: 80 and 443", () => {
    const publishing = Object.keys(services).filter((name) => services[name]!.ports?.length);
    expect(publishing).toEqual(["caddy"]);
    expect(services.caddy!.ports).toEqual(["80:80", "443:443"]);
  });

  it("has Caddy balance over both replicas, only those answering /readyz, and keep /metrics inside", () => {
    expect(services.caddy!.volumes).toContain("./deploy/Caddyfile:/etc/caddy/Caddyfile:ro");
    const upstreams = caddyfile.match(/^\s*reverse_proxy (.+) \{$/m)?.[1]?.split(/\s+/);
    expect(upstreams).toEqual(bots.map((name) => `${name}:8080`));
    expect(caddyfile).toMatch(/^\s*lb_policy round_robin$/m);
    expect(caddyfile).toMatch(/^\s*health_uri \/readyz$/m);
    const internal = caddyfile.match(/^\s*@internal path (.+)$/m)?.[1]?.split(/\s+/);
    expect(internal).toEqual(expect.arrayContaining(["/metrics", "/readyz", "/healthz"]));
    const webhookPath = new URL(interpolated(services.bot!.environment, FILLED).TELEGRAM_WEBHOOK_URL!).pathname;
    expect(internal).not.toContain(webhookPath);
    // The Caddyfile's {$VARS} come from the container's environment.
    for (const [, name] of caddyfile.matchAll(/\{\$(\w+)\}/g)) expect(Object.keys(services.caddy!.environment ?? {})).toContain(name);
  });

  it("lists in .env.example every variable compose.yaml uses, and no other", () => {
    const used = new Set([...read("compose.yaml").replaceAll("$$", "").matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect(Object.keys(envExample()).sort()).toEqual([...used].sort());
  });

  it("has Prometheus scrape each replica, and alerts only on metrics the bot exports", () => {
    const prometheus = readYaml("deploy/prometheus.yml");
    const job = prometheus.scrape_configs.find((j: { job_name: string }) => j.job_name === "congdoan-bot");
    expect(job.static_configs.flatMap((c: { targets: string[] }) => c.targets)).toEqual(bots.map((name) => `${name}:8080`));
    expect(prometheus.rule_files).toEqual(["alerts.yml"]);

    const exported = registry
      .getMetricsAsArray()
      .flatMap((m) => (m instanceof Histogram ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
    // `up` is Prometheus's own; the outbox depth gauge is being added under this name.
    const known = new Set([...exported, "up", "outbox_pending"]);
    const rules: { alert: string; expr: string }[] = readYaml("deploy/alerts.yml").groups.flatMap((g: { rules: unknown[] }) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(["BotUpdateErrors", "OutboxBacklogGrowing", "BotInstanceDown"]);
    for (const { expr } of rules) {
      // Metric names: identifiers before a selector, a range or a closing parenthesis, once strings and
      // by/without label lists are out of the way.
      const bare = expr.replace(/"[^"]*"/g, '""').replace(/\b(by|without)\s*\([^)]*\)/g, "");
      const names = [...bare.matchAll(/(?<![\w:])([a-zA-Z_:][\w:]*)\s*(?=[{[)])/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect([...known], `${name} in: ${expr}`).toContain(name);
    }
  });
});
