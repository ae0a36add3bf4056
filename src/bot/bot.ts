// Assembles the bot (one for every channel: it speaks the Bot API, see src/channels/router.ts): one Composer per
// feature, in the order they must see updates.
import { addressOf } from "../channels/address.ts";
import { conversations, createConversation } from "@grammyjs/conversations";
import { Bot, type MiddlewareFn } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { tFor, toLang } from "../i18n/i18n.ts";
import { InboxConversationStorage } from "../inbox/conversation-storage.ts";
import { currentHandling } from "../inbox/handling.ts";
import { isTransient } from "../db/transient.ts";
import { tolerateCallbackAnswers } from "./callback-answers.ts";
import { markUnreachable } from "../people/people.ts";
import { apiPolicy, replyAfterFailure } from "./api-policy.ts";
import { createApplicationsFeature } from "./applications/feature.ts";
import { createAuditFeature } from "./audit/feature.ts";
import type { BotContext, Deps, InnerContext } from "./context.ts";
import { createDecisionFeature, createRejectConversation, REJECT_CONVERSATION } from "./decision/feature.ts";
import { startFeature } from "./features/start.ts";
import { statusFeature } from "./features/status.ts";
import { createCardFeature } from "./card/feature.ts";
import { unhandledFeature } from "./features/unhandled.ts";
import { createJoinConversation, JOIN_CONVERSATION } from "./join/conversation.ts";
import { createInviteConversation, INVITE_CONVERSATION } from "./invites/conversation.ts";
import { createInvitesFeature } from "./invites/feature.ts";
import {
  createImportConversation,
  createLeaveConversation,
  createPickConversation,
  IMPORT_CONVERSATION,
  LEAVE_CONVERSATION,
  PICK_CONVERSATION,
} from "./members/conversations.ts";
import { createMembersFeature } from "./members/feature.ts";
import { openForm } from "./forms.ts";
import { personMiddleware } from "./person-middleware.ts";
import { createRemindersFeature } from "./reminders/feature.ts";
import { createPosterConversation, createPostersFeature, POSTER_CONVERSATION } from "./posters/feature.ts";
import { createUnitImportConversation, createUnitsFeature, UNIT_IMPORT_CONVERSATION } from "./units/feature.ts";
import { createReportConversation, REPORT_CONVERSATION } from "./reports/conversation.ts";
import { createReportsFeature } from "./reports/feature.ts";
import { createTargetsFeature } from "./targets/feature.ts";
import { createSummaryFeature } from "./summary/feature.ts";
import {
  BROADCAST_CONVERSATION,
  BROADCAST_EDIT_CONVERSATION,
  createBroadcastConversation,
  createBroadcastEditConversation,
} from "./broadcasts/conversation.ts";
import { createBroadcastsFeature } from "./broadcasts/feature.ts";
import { createTargetImportConversation, TARGET_IMPORT_CONVERSATION } from "./targets/import-conversation.ts";
import { createSetTargetConversation, SET_TARGET_CONVERSATION } from "./targets/set-conversation.ts";
import {
  CORRECT_CONVERSATION,
  createCorrectConversation,
  createCorrectFeature,
  createRefuseCorrectionConversation,
  REFUSE_CORRECTION_CONVERSATION,
} from "./privacy/correct.ts";
import { createErasureFeature, createErasureRefuseConversation, ERASURE_REFUSE_CONVERSATION } from "./privacy/erase.ts";
import { createWithdrawFeature } from "./privacy/withdraw.ts";
import { createLinkFeature } from "./privacy/link.ts";
import { createMyDataFeature } from "./privacy/mydata.ts";

/**
 * Bump when a conversation's code changes in a way that changes the order of its waits or external
 * calls: stored conversations of the old shape are then dropped instead of replayed wrongly.
 */
export const CONVERSATION_VERSION = 2;

export interface TelegramOptions {
  token: string;
  apiRoot: string;
  botInfo?: UserFromGetMe;
}

const retryPolicy = (logger: Deps["logger"]) => apiPolicy({ logger });

const ignoredAnswer = (deps: Deps) => (err: unknown) => deps.logger.debug({ err }, "a button press could not be answered");

export function createBot(deps: Deps, options: TelegramOptions): Bot<BotContext> {
  // Calls for chats of other channels go to their gateways (src/channels/router.ts); the router sits below the
  // other transformers so they treat every channel's answers alike.
  const bot = new Bot<BotContext>(options.token, { client: { apiRoot: options.apiRoot, fetch: deps.channels.fetch }, botInfo: options.botInfo });
  bot.api.config.use(deps.channels.transformer);
  bot.api.config.use(retryPolicy(deps.logger));
  bot.api.config.use(tolerateCallbackAnswers(ignoredAnswer(deps)));

  // Updates reach the bot from the inbox (src/inbox), which runs one chat's updates one at a time and in order:
  // two quick messages cannot race through a form.
  const guarded = bot.errorBoundary(async (error) => {
    // The store is away for a moment: the inbox handles this update again shortly, rather than have the person
    // told to try again while the answer they gave is kept.
    if (currentHandling.getStore()?.retryable && isTransient(error.error)) throw error.error;
    deps.logger.error({ err: error.error, updateId: error.ctx.update.update_id }, "update failed");
    // Without the person (the store failed before they were found) their Telegram app's language is the best guess.
    const t = error.ctx.t ?? tFor(toLang(error.ctx.from?.language_code));
    if (error.ctx.chat?.type === "private") await error.ctx.reply(t(replyAfterFailure(error.error))).catch(() => undefined);
  });

  guarded.use(personMiddleware(deps));
  guarded.on("my_chat_member", async (ctx) => {
    if (ctx.myChatMember.new_chat_member.status === "kicked") {
      await markUnreachable(deps.prisma, addressOf(ctx.from.id));
    }
  });

  // Transformers on bot.api do not reach inside conversations; install the channel router and the retry policy there too.
  const retryInside: MiddlewareFn<InnerContext> = (ctx, next) => {
    ctx.api.config.use(deps.channels.transformer);
    ctx.api.config.use(retryPolicy(deps.logger));
    ctx.api.config.use(tolerateCallbackAnswers(ignoredAnswer(deps)));
    return next();
  };
  guarded.use(
    conversations<BotContext, InnerContext>({
      storage: {
        type: "key",
        version: CONVERSATION_VERSION,
        prefix: "conv:",
        // Saving a chat's forms also marks the update handled, in one statement (see the storage).
        adapter: new InboxConversationStorage(deps.prisma),
      },
      plugins: [retryInside],
    }),
  );
  // Before the conversations themselves, so /cancel works from the middle of any form, and a command typed
  // there is answered with what that form is and how to leave it (instead of being read as an answer).
  guarded.command("cancel", async (ctx) => {
    const form = await openForm(ctx);
    await ctx.conversation.exitAll();
    await ctx.reply(ctx.t(form ? form.cancelled : "nothing_to_cancel"), { reply_markup: { remove_keyboard: true } });
  });
  guarded.on("message::bot_command", async (ctx, next) => {
    const form = ctx.message.text?.startsWith("/") ? await openForm(ctx) : undefined;
    if (!form) return next();
    await ctx.reply(ctx.t(form.busy));
  });
  guarded.use(createConversation(createJoinConversation(deps), JOIN_CONVERSATION));
  guarded.use(createConversation(createRejectConversation(deps), REJECT_CONVERSATION));
  guarded.use(createConversation(createPosterConversation(deps), POSTER_CONVERSATION));
  guarded.use(createConversation(createInviteConversation(deps), INVITE_CONVERSATION));
  guarded.use(createConversation(createPickConversation(deps), PICK_CONVERSATION));
  guarded.use(createConversation(createLeaveConversation(deps), LEAVE_CONVERSATION));
  guarded.use(createConversation(createImportConversation(deps), IMPORT_CONVERSATION));
  guarded.use(createConversation(createUnitImportConversation(deps), UNIT_IMPORT_CONVERSATION));
  guarded.use(createConversation(createReportConversation(deps), REPORT_CONVERSATION));
  guarded.use(createConversation(createBroadcastConversation(deps), BROADCAST_CONVERSATION));
  guarded.use(createConversation(createBroadcastEditConversation(deps), BROADCAST_EDIT_CONVERSATION));
  guarded.use(createConversation(createSetTargetConversation(deps), SET_TARGET_CONVERSATION));
  guarded.use(createConversation(createTargetImportConversation(deps), TARGET_IMPORT_CONVERSATION));
  guarded.use(createConversation(createCorrectConversation(deps), CORRECT_CONVERSATION));
  guarded.use(createConversation(createRefuseCorrectionConversation(deps), REFUSE_CORRECTION_CONVERSATION));
  guarded.use(createConversation(createErasureRefuseConversation(deps), ERASURE_REFUSE_CONVERSATION));

  guarded.use(startFeature);
  guarded.use(statusFeature);
  guarded.use(createCardFeature(deps));
  guarded.use(createDecisionFeature(deps));
  guarded.use(createApplicationsFeature(deps));
  guarded.use(createAuditFeature(deps));
  guarded.use(createInvitesFeature(deps));
  guarded.use(createPostersFeature());
  guarded.use(createMembersFeature(deps));
  guarded.use(createUnitsFeature(deps));
  guarded.use(createReportsFeature());
  guarded.use(createRemindersFeature(deps));
  guarded.use(createTargetsFeature(deps));
  guarded.use(createSummaryFeature());
  guarded.use(createBroadcastsFeature(deps));
  guarded.use(createCorrectFeature(deps));
  guarded.use(createWithdrawFeature(deps));
  guarded.use(createLinkFeature(deps));
  guarded.use(createMyDataFeature());
  guarded.use(createErasureFeature(deps));
  guarded.use(unhandledFeature);
  return bot;
}
