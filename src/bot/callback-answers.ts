// Answering a button press only stops the spinner on the person's screen. When it fails (the press is older than
// Telegram allows, or was already answered by a run that crashed before it recorded the update), the update must
// still be handled: a failure here would otherwise abort the form the press belongs to.
import type { Transformer } from "grammy";

export function tolerateCallbackAnswers(onFailure: (err: unknown) => void): Transformer {
  return async (prev, method, payload, signal) => {
    if (method !== "answerCallbackQuery") return prev(method, payload, signal);
    // The method's own success value, in place of an error response or a network failure.
    const answered = { ok: true, result: true } as Awaited<ReturnType<typeof prev>>;
    try {
      const response = await prev(method, payload, signal);
      if (response.ok) return response;
      onFailure(new Error(`answerCallbackQuery: ${response.error_code} ${response.description}`));
      return answered;
    } catch (err) {
      onFailure(err);
      return answered;
    }
  };
}
