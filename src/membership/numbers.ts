// How reference and member numbers look to people. Both come from database sequences, so they are
// unique across all bot instances.
export function formatApplicationRef(ref: number): string {
  return `HS-${String(ref).padStart(6, "0")}`;
}

export function formatMemberNumber(number: number): string {
  return `DV${String(number).padStart(7, "0")}`;
}
