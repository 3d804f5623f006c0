/** The conversation's bubbles: the welcome line, then each message once, in seq order. */
import type { ChatEntry, ChatSnapshot } from "./connection";
import { el } from "./dom";
import type { Language, Translate } from "./i18n";

export interface MessageListContext {
  t: Translate;
  language: Language;
  /** Attachment urls are relative to the chat server, not to the host page. */
  serverOrigin: string;
}

export class MessageList {
  readonly element: HTMLDivElement;
  private readonly welcome: HTMLDivElement;
  /** Entries are immutable, so an entry already drawn keeps its element (images do not reload). */
  private rendered = new WeakMap<ChatEntry, HTMLElement>();
  private context: MessageListContext;
  private timeFormat: Intl.DateTimeFormat;

  constructor(welcomeText: string, context: MessageListContext) {
    this.context = context;
    this.timeFormat = timeFormat(context.language);
    this.welcome = el(
      "div",
      { class: "message agent", "data-testid": "hotline-welcome" },
      el("div", { class: "bubble" }, welcomeText),
    );
    this.element = el("div", {
      class: "messages",
      "data-testid": "hotline-messages",
      role: "log",
      "aria-live": "polite",
    });
  }

  /** A new language redraws every bubble: names, times and delivery notes are translated. */
  setContext(context: MessageListContext): void {
    this.context = context;
    this.timeFormat = timeFormat(context.language);
    this.rendered = new WeakMap();
  }

  update(snapshot: ChatSnapshot): void {
    const bubbles = snapshot.messages.map((entry) => {
      let bubble = this.rendered.get(entry);
      if (!bubble) {
        bubble = this.renderEntry(entry, snapshot.visitorToken);
        this.rendered.set(entry, bubble);
      }
      return bubble;
    });
    this.element.replaceChildren(this.welcome, ...bubbles);
  }

  private renderEntry(entry: ChatEntry, visitorToken: string | null): HTMLElement {
    const { t } = this.context;
    const kind = entry.author.kind;
    const name = kind === "visitor" ? t("you") : kind === "agent" ? entry.author.name || t("agent") : null;
    const time = new Date(entry.at);
    const content = entry.attachment ? this.renderAttachment(entry.attachment, visitorToken) : entry.text;
    const note =
      entry.delivery === "pending" ? t("sending") : entry.delivery === "failed" ? t("notSent", { reason: entry.failure ?? "" }) : null;
    return el(
      "div",
      {
        class: `message ${kind} ${entry.delivery}`,
        "data-testid": "hotline-message",
        "data-seq": entry.seq === null ? undefined : String(entry.seq),
        "data-author": kind,
      },
      el(
        "div",
        { class: "meta" },
        name && el("span", { class: "name" }, name),
        Number.isNaN(time.getTime())
          ? null
          : el(
              "time",
              { datetime: entry.at },
              this.timeFormat.format(time),
            ),
      ),
      el("div", { class: "bubble" }, content),
      entry.attachment && entry.text ? el("div", { class: "bubble" }, entry.text) : null,
      note && el("div", { class: "note" }, note),
    );
  }

  private renderAttachment(attachment: NonNullable<ChatEntry["attachment"]>, visitorToken: string | null): HTMLElement {
    const url = new URL(attachment.url, this.context.serverOrigin);
    if (visitorToken) url.searchParams.set("token", visitorToken);
    const link = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer", class: "file" });
    if (attachment.contentType.startsWith("image/")) {
      link.append(el("img", { src: url.href, alt: attachment.name, class: "thumbnail", loading: "lazy" }));
    } else {
      link.append(attachment.name);
    }
    return link;
  }
}

function timeFormat(language: Language): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
}
