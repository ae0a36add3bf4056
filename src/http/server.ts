// The HTTP side of the bot (hono): the health and readiness checks for Docker and load balancers, the process's
// metrics for Prometheus (counts only, nothing personal), the member card check page and, in webhook mode, the routes
// Telegram and Zalo post updates to. Started only when there is something to serve.
//
// The edge is hardened: webhook bodies are limited in size (413), whatever is refused (400, 401, 403, 404, 413) is
// counted in http_refused_total and logged without its body, and an error inside a route answers 500 through the
// JSON log instead of a raw stack on stderr.
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Handler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "../logger.ts";
import { metricsText, recordRefused } from "../metrics/metrics.ts";
import { readiness, type ReadinessChecks } from "./readiness.ts";

/** Telegram and Zalo updates are a few kilobytes; a file is sent by reference, never in the update. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
const REFUSED = new Set([400, 401, 403, 404, 405, 413]);

export interface HttpOptions {
  port: number;
  /** The listen address (HOST). */
  host: string;
  logger: Logger;
  /** Answers whether the store is reachable; the health check fails while it is not. */
  healthy(): Promise<boolean>;
  /** What /readyz checks, by name (./readiness.ts). */
  readiness?: ReadinessChecks;
  /** Webhook routes: path → handler. */
  routes?: Record<string, Handler>;
  /** Pages people open (the member card check). */
  pages?: Hono;
}

export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpOptions): Promise<HttpServer> {
  const { logger } = options;
  const app = new Hono();
  app.use(async (c, next) => {
    await next();
    if (!REFUSED.has(c.res.status)) return;
    // The route as declared, never the path as sent: a scanner's made-up paths must not become label values.
    const route = c.res.status === 404 ? "unknown" : c.req.routePath;
    recordRefused(route, c.res.status);
    logger.warn({ route, status: c.res.status, method: c.req.method }, "http request refused");
  });
  app.onError((err, c) => {
    logger.error({ err, route: c.req.routePath }, "http request failed");
    return c.text("error", 500);
  });
  app.get("/healthz", async (c) => {
    const ok = await options.healthy().catch(() => false);
    return c.json({ status: ok ? "ok" : "unavailable" }, ok ? 200 : 503);
  });
  app.get("/readyz", async (c) => {
    const { ready, failed } = await readiness(options.readiness ?? { store: options.healthy });
    return ready ? c.json({ status: "ready" }) : c.json({ status: "not ready", failed }, 503);
  });
  app.get("/metrics", async (c) => {
    const { contentType, body } = await metricsText();
    return c.body(body, 200, { "content-type": contentType });
  });
  const limit = bodyLimit({ maxSize: WEBHOOK_BODY_LIMIT, onError: (c) => c.text("too large", 413) });
  for (const [path, handler] of Object.entries(options.routes ?? {})) app.post(path, limit, handler);
  if (options.pages) app.route("/", options.pages);

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s));
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
