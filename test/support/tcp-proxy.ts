// A TCP proxy between the app and PostgreSQL, for real outages in tests: `cut()` drops every open connection (both
// sides, so the server ends those sessions and their advisory locks, as when the database restarts) and turns new
// ones away until `restore()`.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { openDatabase } from "../../src/db/database.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export class TcpProxy {
  private readonly open = new Set<Socket>();
  private down = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return proxy;
  }

  /** Connections open now (through the proxy). */
  get connections(): number {
    return this.open.size / 2;
  }

  get isDown(): boolean {
    return this.down;
  }

  cut(): void {
    this.down = true;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }) {
    if (this.down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        this.open.delete(a);
        b.destroy();
      });
    }
  }
}

/** The URL with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(proxy.port);
  return u.toString();
}

/**
 * A fresh test database (PostgreSQL only) that the app reaches through a proxy: hand it to `startHarness({ db })`
 * and cut the proxy for an outage. Destroying it closes the proxied connections, the proxy and the database.
 */
export async function createProxiedTestDatabase(options: { poolSize?: number } = {}): Promise<{ db: TestDatabase; proxy: TcpProxy }> {
  const direct = await createTestDatabase(options);
  if (!direct.url) throw new Error("a proxied database needs PostgreSQL (TEST_DATABASE_URL)");
  const target = new URL(direct.url);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  const url = throughProxy(direct.url, proxy);
  const proxied = await openDatabase({ url, dataDir: "", poolSize: options.poolSize });
  // The direct client is only needed to drop the database at the end.
  await direct.prisma.$disconnect();
  const db: TestDatabase = {
    ...proxied,
    url,
    async destroy() {
      proxy.restore();
      await proxied.close();
      await proxy.close();
      await direct.destroy();
    },
  };
  return { db, proxy };
}
