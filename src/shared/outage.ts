// A dependency that stops answering (the Bot API, the store) makes every update fail the same way: logged per update,
// the one thing worth knowing drowns. An OutageLog says it once when the dependency goes and once when it is back.

/** What an OutageLog writes with: any logger (pino's, or a test's). */
export interface OutageLogger {
  warn(obj: object, msg: string): void;
}

export class OutageLog {
  private downSince: number | undefined;

  constructor(
    private readonly logger: OutageLogger,
    /** What is watched, as the log names it: "telegram api", "store". */
    private readonly what: string,
  ) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** A call failed because the dependency did not answer (not a refusal: that means it is up). */
  failed(reason: unknown): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.logger.warn({ dependency: this.what, reason: reason instanceof Error ? reason.message : String(reason) }, `${this.what} unreachable`);
  }

  /** A call got an answer. */
  answered(): void {
    if (this.downSince === undefined) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = undefined;
    // At the level the outage was reported at, so whoever saw it go sees it come back.
    this.logger.warn({ dependency: this.what, downForMs }, `${this.what} back`);
  }
}
