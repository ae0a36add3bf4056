// The join bench's baseline: a bare grammY + @grammyjs/conversations bot, state in memory, a form as long as the
// real one (12 updates), run with @grammyjs/runner as a well-built small bot would be. What the real bot costs on
// top of this is what the bench's ratios show. Run as a child: TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT.
import { sequentialize, run } from "@grammyjs/runner";
import { conversations, createConversation, type Conversation, type ConversationFlavor } from "@grammyjs/conversations";
import { Bot, type Context, HttpError, InlineKeyboard, type Transformer } from "grammy";
import { BASELINE as b } from "./join-steps.ts";

type Ctx = ConversationFlavor<Context>;

const token = process.env.TELEGRAM_BOT_TOKEN;
if (!token) throw new Error("TELEGRAM_BOT_TOKEN is required");
const bot = new Bot<Ctx>(token, { client: { apiRoot: process.env.TELEGRAM_API_ROOT } });
/** A dropped keep-alive connection under load would otherwise end a worker's form (a small bot done well retries). */
const retryNetwork: Transformer = async (prev, method, payload, signal) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prev(method, payload, signal);
    } catch (error) {
      if (!(error instanceof HttpError) || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
};
bot.api.config.use(retryNetwork);
const stored = new Map<number, Record<string, string>>();

function buttons(...labels: string[]) {
  const keyboard = new InlineKeyboard();
  labels.forEach((label, i) => keyboard.text(label, `b${i}`).row());
  return { reply_markup: keyboard };
}

async function form(conversation: Conversation<Ctx, Context>, ctx: Context) {
  const answers: Record<string, string> = {};
  const press = async (question: string, ...labels: string[]) => {
    await ctx.reply(question, buttons(...labels));
    const pressed = await conversation.waitForCallbackQuery(/^b\d+$/);
    await pressed.answerCallbackQuery();
    return labels[Number(pressed.callbackQuery.data.slice(1))]!;
  };
  const text = async (question: string) => {
    await ctx.reply(question);
    return (await conversation.waitFor("message:text")).message.text;
  };
  answers.language = await press(b.language, "Tiếng Việt", "English");
  await ctx.reply("Giới thiệu");
  await press(b.consent, b.agree);
  answers.fullName = await text(b.fullName);
  answers.birthDate = await text(b.birthDate);
  answers.sex = await press(b.sex, b.female, "Nam");
  answers.phone = await text(b.phone);
  answers.nationality = await press(b.nationality, b.vietnamese, "Khác");
  await press(b.workplace, b.yes, "Không");
  answers.jobPosition = await text(b.jobPosition);
  await press(b.ethnicity, b.skip);
  const summary = Object.values(answers).join("\n");
  await press(`${b.summary}\n${summary}`, b.submit);
  const ref = await conversation.external(() => {
    stored.set(ctx.from!.id, answers);
    return stored.size;
  });
  await ctx.reply(`${b.submitted}HS-${String(ref).padStart(6, "0")}`);
}

bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
// Transformers on bot.api do not reach the API calls made inside a conversation; the retry goes there too.
bot.use(conversations({ plugins: [(ctx, next) => (ctx.api.config.use(retryNetwork), next())] }));
bot.use(createConversation(form, "form"));
bot.command("start", (ctx) => ctx.conversation.enter("form"));
bot.catch((err) => console.error("baseline bot error", err.error));

const runner = run(bot);
const stop = () => void runner.stop().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
