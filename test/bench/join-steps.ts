// The two forms the join bench drives, as a worker sees them: what to send at each step and the reply that lets the
// worker go on. The bot's is its real join form from a poster of LC-DK-CSLC (12 updates, /start to "Gửi đơn"); the
// baseline's is a form of the same length with the same kinds of steps (texts and button presses).
import { tFor } from "../../src/i18n/i18n.ts";

export type Action = { text: string } | { press: string };

export interface Step {
  action: Action;
  /** A text the awaited reply contains, or a pattern it matches. */
  reply: string | RegExp;
  /** Sending this step is "pressing submit". */
  submits?: boolean;
}

/** Names without digits: worker 205 is "Nguyễn Thị Bình An Giang" (names with digits are refused). */
const SYLLABLES = ["An", "Bình", "Chi", "Dung", "Giang", "Hà", "Khánh", "Lan", "Mai", "Ngọc"];

export interface WorkerAnswers {
  fullName: string;
  birthDate: string;
  phone: string;
  jobPosition: string;
}

export function answersOf(n: number): WorkerAnswers {
  return {
    fullName: `Nguyễn Thị ${[...String(n)].map((d) => SYLLABLES[Number(d)]).join(" ")}`,
    birthDate: `${String((n % 28) + 1).padStart(2, "0")}/05/1990`,
    phone: `09${String(10_000_000 + (n % 90_000_000)).slice(-8)}`,
    jobPosition: `Tổ ${n}`,
  };
}

/** The bot's join form, as test/e2e/join.test.ts walks it. */
export function botSteps(n: number): Step[] {
  const vi = tFor("vi");
  const a = answersOf(n);
  return [
    { action: { text: "/start LC-DK-CSLC" }, reply: vi("join.language.ask") },
    { action: { press: "Tiếng Việt" }, reply: vi("join.consent.question") },
    { action: { press: vi("join.consent.agree") }, reply: vi("join.fields.fullName.ask") },
    { action: { text: a.fullName }, reply: vi("join.fields.birthDate.ask") },
    { action: { text: a.birthDate }, reply: vi("join.fields.sex.ask") },
    { action: { press: vi("join.fields.sex.FEMALE") }, reply: vi("join.fields.phone.ask") },
    { action: { text: a.phone }, reply: vi("join.fields.nationality.ask") },
    { action: { press: vi("join.fields.nationality.VIETNAMESE") }, reply: "Công ty Cổ phần Cao su Lai Châu" },
    { action: { press: vi("join.fields.workplace.confirm_yes") }, reply: vi("join.fields.jobPosition.ask") },
    { action: { text: a.jobPosition }, reply: vi("join.fields.ethnicity.consent").slice(0, 40) },
    { action: { press: vi("join.fields.ethnicity.skip") }, reply: vi("join.summary.title") },
    { action: { press: vi("join.summary.submit") }, reply: /HS-\d{6}/, submits: true },
  ];
}

/** What the baseline bot says; it imports these so both sides agree. */
export const BASELINE = {
  language: "Chọn ngôn ngữ / Choose your language:",
  consent: "Bạn có đồng ý không?",
  agree: "Tôi đồng ý",
  fullName: "Họ và tên?",
  birthDate: "Ngày sinh (ngày/tháng/năm)?",
  sex: "Giới tính?",
  female: "Nữ",
  phone: "Số điện thoại?",
  nationality: "Quốc tịch?",
  vietnamese: "Việt Nam",
  workplace: "Nơi làm việc: Công ty Cổ phần Cao su Lai Châu. Đúng không?",
  yes: "Đúng",
  jobPosition: "Vị trí công việc?",
  ethnicity: "Dân tộc (không bắt buộc)?",
  skip: "Bỏ qua",
  summary: "ĐƠN GIA NHẬP – kiểm tra lại:",
  submit: "✅ Gửi đơn",
  submitted: "Đã gửi đơn! Số hồ sơ: ",
} as const;

export function baselineSteps(n: number): Step[] {
  const b = BASELINE;
  const a = answersOf(n);
  return [
    { action: { text: "/start LC-DK-CSLC" }, reply: b.language },
    { action: { press: "Tiếng Việt" }, reply: b.consent },
    { action: { press: b.agree }, reply: b.fullName },
    { action: { text: a.fullName }, reply: b.birthDate },
    { action: { text: a.birthDate }, reply: b.sex },
    { action: { press: b.female }, reply: b.phone },
    { action: { text: a.phone }, reply: b.nationality },
    { action: { press: b.vietnamese }, reply: b.workplace },
    { action: { press: b.yes }, reply: b.jobPosition },
    { action: { text: a.jobPosition }, reply: b.ethnicity },
    { action: { press: b.skip }, reply: b.summary },
    { action: { press: b.submit }, reply: /HS-\d{6}/, submits: true },
  ];
}
