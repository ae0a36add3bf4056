// Shared bits of the invite feature: the deep-link prefix and how times are shown.
import { formatVietnamDate, TIME_ZONE } from "../../shared/time.ts";

/** `/start inv_<token>` opens an invite; any other payload is a poster's unit code. */
export const INVITE_LINK_PREFIX = "inv_";

const clock = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** dd/mm/yyyy HH:mm in Vietnam time. */
export function formatInviteTime(at: Date | number): string {
  const parts = Object.fromEntries(clock.formatToParts(at).map((p) => [p.type, p.value]));
  return `${formatVietnamDate(at)} ${parts.hour}:${parts.minute}`;
}
