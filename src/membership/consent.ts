// Consent under the Personal Data Protection Law 91/2025/QH15 and Decree 356/2025/NĐ-CP: explicit, per
// purpose, never pre-ticked, and kept with the exact text the person saw. The texts live in
// locales/*/bot.json under join.consent; change a text → bump its version here, so every stored
// consent still says which wording it answered.
import type { ConsentPurpose, Language } from "../generated/prisma/client.ts";

export const CONSENT_VERSIONS: Record<ConsentPurpose, string> = {
  MEMBERSHIP_APPLICATION: "membership-application/2026-11-v1",
  SENSITIVE_ETHNICITY: "sensitive-ethnicity/2026-11-v1",
};

export interface GivenConsent {
  purpose: ConsentPurpose;
  language: Language;
  text: string;
  givenAt: Date;
}
