/**
 * The widget's own strings in its three languages. The tenant's texts (intro, welcome, FAQ)
 * come from /chat/config as written; only these are translated here.
 */

export const LANGUAGES = ["en", "zh-CN", "zh-TW"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in itself, as the language switch shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: "English",
  "zh-CN": "简体中文",
  "zh-TW": "繁體中文",
};

const en = {
  openChat: "Chat with us",
  minimise: "Minimise the chat",
  language: "Language",
  faq: "Frequently asked questions",
  you: "You",
  agent: "Agent",
  placeholder: "Type a message…",
  send: "Send",
  emoji: "Emoji",
  attach: "Send a file",
  typing: "{name} is typing…",
  queued: "Waiting for an agent…",
  joined: "{name} joined the chat",
  ended: "Chat ended",
  reconnecting: "Reconnecting…",
  nobodyAvailable: "Nobody is available right now. Please come back later.",
  endChat: "End chat",
  notSent: "Not sent: {reason}",
  sending: "Sending…",
  slowDown: "You are sending too fast: slow down a little.",
  fileTooLarge: "{name} is too large: files may be up to {limit}.",
  fileTypeNotAllowed: "{name} cannot be sent: only {types} files are accepted.",
  uploading: "Sending {name}…",
  uploadFailed: "{name} could not be sent: {reason}",
  notConnected: "Not connected yet: try again in a moment.",
  rateTitle: "How did we do?",
  rateStar: "{score} of 5",
  rateComment: "Anything to add? (optional)",
  rateSubmit: "Send rating",
  rated: "Thank you for your feedback!",
  newChat: "Start a new chat",
  unavailable: "The chat is not available.",
};

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
export type Translate = (key: MessageKey, variables?: Record<string, string | number>) => string;

export const MESSAGES: Record<Language, Messages> = {
  en,
  "zh-CN": {
    openChat: "在线咨询",
    minimise: "收起对话",
    language: "语言",
    faq: "常见问题",
    you: "我",
    agent: "客服",
    placeholder: "输入消息…",
    send: "发送",
    emoji: "表情",
    attach: "发送文件",
    typing: "{name} 正在输入…",
    queued: "正在等待客服接入…",
    joined: "{name} 已加入对话",
    ended: "对话已结束",
    reconnecting: "正在重新连接…",
    nobodyAvailable: "目前没有客服在线，请稍后再来。",
    endChat: "结束对话",
    notSent: "未发送：{reason}",
    sending: "发送中…",
    slowDown: "发送太快了，请稍慢一点。",
    fileTooLarge: "{name} 太大：文件不能超过 {limit}。",
    fileTypeNotAllowed: "无法发送 {name}：只接受 {types} 文件。",
    uploading: "正在发送 {name}…",
    uploadFailed: "{name} 发送失败：{reason}",
    notConnected: "尚未连接，请稍后再试。",
    rateTitle: "请为本次服务评分",
    rateStar: "{score} 星",
    rateComment: "还有什么想说的吗？（选填）",
    rateSubmit: "提交评价",
    rated: "感谢您的评价！",
    newChat: "开始新的对话",
    unavailable: "在线咨询暂不可用。",
  },
  "zh-TW": {
    openChat: "線上諮詢",
    minimise: "收合對話",
    language: "語言",
    faq: "常見問題",
    you: "我",
    agent: "客服",
    placeholder: "輸入訊息…",
    send: "傳送",
    emoji: "表情符號",
    attach: "傳送檔案",
    typing: "{name} 正在輸入…",
    queued: "正在等候客服接聽…",
    joined: "{name} 已加入對話",
    ended: "對話已結束",
    reconnecting: "正在重新連線…",
    nobodyAvailable: "目前沒有客服人員在線，請稍後再來。",
    endChat: "結束對話",
    notSent: "未傳送：{reason}",
    sending: "傳送中…",
    slowDown: "傳送速度太快了，請稍慢一點。",
    fileTooLarge: "{name} 太大：檔案不可超過 {limit}。",
    fileTypeNotAllowed: "無法傳送 {name}：只接受 {types} 檔案。",
    uploading: "正在傳送 {name}…",
    uploadFailed: "{name} 傳送失敗：{reason}",
    notConnected: "尚未連線，請稍後再試。",
    rateTitle: "請為本次服務評分",
    rateStar: "{score} 顆星",
    rateComment: "還有什麼想說的嗎？（選填）",
    rateSubmit: "送出評價",
    rated: "感謝您的回饋！",
    newChat: "開始新的對話",
    unavailable: "線上諮詢暫時無法使用。",
  },
};

export function translate(language: Language, key: MessageKey, variables?: Record<string, string | number>): string {
  const template = MESSAGES[language][key];
  if (!variables) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in variables ? String(variables[name]) : whole));
}

/** The first of `candidates` (config, snippet, browser) that one of our languages serves. */
export function pickLanguage(candidates: readonly (string | null | undefined)[]): Language {
  for (const candidate of candidates) {
    const tag = candidate?.toLowerCase();
    if (!tag) continue;
    if (tag.startsWith("zh")) return /^zh-(tw|hk|mo|hant)/.test(tag) ? "zh-TW" : "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}
