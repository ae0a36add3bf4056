// The HTTP side of the bot (hono): a health check for Docker and load balancers, the process's metrics for
// Prometheus (counts only, nothing personal), the member card check page and, in webhook mode, the route Telegram
// posts updates to. Started only when there is something to serve.
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type Handler } from "hono";
import { metricsText } from "../metrics/metrics.ts";

export interface HttpOptions {
  port: number;
  /** Answers whether the store is reachable; the health check fails while it is not. */
  healthy(): Promise<boolean>;
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
  const app = new Hono();
  app.get("/healthz", async (c) => {
    const ok = await options.healthy().catch(() => false);
    return c.json({ status: ok ? "ok" : "unavailable" }, ok ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    const { contentType, body } = await metricsText();
    return c.body(body, 200, { "content-type": contentType });
  });
  for (const [path, handler] of Object.entries(options.routes ?? {})) app.post(path, handler);
  if (options.pages) app.route("/", options.pages);

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: "0.0.0.0" }, () => resolve(s));
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
