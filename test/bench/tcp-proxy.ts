// A TCP proxy between the bot and PostgreSQL that the join bench cuts for a few seconds in the middle of a run: every
// open connection is dropped and new ones are refused, as while the server restarts (restarting the real server
// would disturb everything else using it).
import { createServer, connect, type Server, type Socket } from "node:net";

export class TcpProxy {
  private server: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections dropped by cuts so far. */
  dropped = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new TcpProxy(target, (server.address() as { port: number }).port, server);
    proxy.serve(server);
    return proxy;
  }

  private serve(server: Server): void {
    server.on("connection", (client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
        s.setNoDelay(true);
      }
      client.pipe(upstream).on("error", () => undefined);
      upstream.pipe(client).on("error", () => undefined);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  }

  /** Drops every connection and refuses new ones for `ms`, then accepts again on the same port. */
  async cut(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.dropped += this.sockets.size / 2;
      for (const s of this.sockets) s.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.serve(server);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
