// Which inbox update the current async work is handling. The conversation storage reads it to mark the update
// handled in the same statement that saves the chat's forms, so a crash leaves either both or neither.
import { AsyncLocalStorage } from "node:async_hooks";

export interface Handling {
  /** The InboxUpdate row. */
  readonly id: string;
  /** Its channel (TELEGRAM, ZALO, WEB): with the id, what every log line written while handling it carries. */
  readonly channel: string;
  /** Set once the row is marked handled, so the dispatcher does not mark it a second time. */
  marked: boolean;
  /**
   * A failure of the store may be thrown out of the bot (instead of answered) so the update is handled again when
   * the store is back: false on the last attempt, when the person is told to try again instead.
   */
  readonly retryable: boolean;
}

export const currentHandling = new AsyncLocalStorage<Handling>();
