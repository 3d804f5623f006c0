/**
 * The widget on the page: a launcher and a panel (or, in page mode, the panel alone) inside
 * an open Shadow DOM root, so that the host site's CSS and ours stay apart. Everything that
 * changes is redrawn from the connection's snapshot in `render`.
 */
import { Composer, type LocalNotice } from "./composer";
import type { ChatConnection } from "./connection";
import { el } from "./dom";
import { type Language, LANGUAGE_NAMES, LANGUAGES, type Translate, translate } from "./i18n";
import { MessageList } from "./messageList";
import type { WidgetConfig } from "./protocol";
import { RatingForm } from "./rating";
import css from "./widget.css?inline";

export type WidgetMode = "bubble" | "page";

export interface ChatWidgetOptions {
  config: WidgetConfig;
  connection: ChatConnection;
  serverOrigin: string;
  tenant: string;
  mode: WidgetMode;
  language: Language;
  open: boolean;
  /** The visitor picked another language. */
  onLanguageChange: (language: Language) => void;
  /** The visitor opened or closed the panel. */
  onOpenChange: (open: boolean) => void;
}

const DEFAULT_COLOR = "#1677ff";
const CHAT_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';

export class ChatWidget {
  /** The element to put on the page; everything else lives in its shadow root. */
  readonly host: HTMLElement;
  private readonly options: ChatWidgetOptions;
  private readonly connection: ChatConnection;
  private open: boolean;
  private currentLanguage: Language;
  private localNotice: LocalNotice | null = null;
  /** Agent messages the visitor has seen with the panel open, for the launcher's unread dot. */
  private seen: { conversationId: string | null; agentMessages: number } = { conversationId: null, agentMessages: 0 };
  /** Whether the visitor is at the newest message; new content then keeps them there. */
  private pinned = true;

  private readonly launcher: HTMLButtonElement | null;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLElement;
  private readonly languageSelect: HTMLSelectElement;
  private readonly minimiseButton: HTMLButtonElement | null;
  private readonly connectionBanner: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private readonly faqTitle: HTMLHeadingElement;
  private readonly offlineNotice: HTMLDivElement;
  private readonly messageList: MessageList;
  private readonly typing: HTMLDivElement;
  private readonly rating: RatingForm;
  private readonly newChatButton: HTMLButtonElement;
  private readonly statusBar: HTMLDivElement;
  private readonly statusText: HTMLSpanElement;
  private readonly endButton: HTMLButtonElement;
  private readonly notice: HTMLDivElement;
  private readonly composer: Composer;

  constructor(options: ChatWidgetOptions) {
    this.options = options;
    this.connection = options.connection;
    this.open = options.mode === "page" || options.open;
    this.currentLanguage = options.language;
    const { config, mode } = options;
    const t = this.t;

    this.badge = el("span", { class: "badge", hidden: true });
    this.launcher =
      mode === "bubble" ? el("button", { type: "button", class: "launcher", "data-testid": "hotline-launcher" }) : null;
    if (this.launcher) {
      this.launcher.innerHTML = CHAT_ICON;
      this.launcher.append(this.badge);
      this.launcher.addEventListener("click", () => this.setOpen(!this.open));
    }

    this.languageSelect = el(
      "select",
      { "data-testid": "hotline-language" },
      ...LANGUAGES.map((language) => el("option", { value: language }, LANGUAGE_NAMES[language])),
    );
    this.languageSelect.value = this.currentLanguage;
    this.languageSelect.addEventListener("change", () => this.setLanguage(this.languageSelect.value as Language));
    this.minimiseButton = mode === "bubble" ? el("button", { type: "button", class: "icon" }, "✕") : null;
    this.minimiseButton?.addEventListener("click", () => this.setOpen(false));
    const header = el(
      "header",
      { class: "header" },
      config.logoUrl && el("img", { class: "logo", src: new URL(config.logoUrl, options.serverOrigin).href, alt: "" }),
      el("strong", { class: "title" }, config.organisationName),
      this.languageSelect,
      this.minimiseButton,
    );

    this.connectionBanner = el("div", { class: "banner", "data-testid": "hotline-connection", hidden: true });
    this.faqTitle = el("h2");
    const faq =
      config.faq.length > 0 &&
      el(
        "section",
        { class: "faq" },
        this.faqTitle,
        ...config.faq.map((item) => el("details", {}, el("summary", {}, item.question), el("p", {}, item.answer))),
      );
    this.offlineNotice = el("div", { class: "offline", "data-testid": "hotline-offline", hidden: true });
    this.messageList = new MessageList(config.welcome, this.listContext());
    this.typing = el("div", { class: "typing", "data-testid": "hotline-typing", hidden: true });
    this.rating = new RatingForm(t, (score, comment) => this.connection.rate(score, comment));
    this.newChatButton = el("button", { type: "button", class: "primary", "data-testid": "hotline-new-chat" });
    this.newChatButton.addEventListener("click", () => {
      this.rating.reset();
      this.connection.startNewConversation();
      this.composer.focus();
    });
    this.body = el(
      "div",
      { class: "body" },
      config.intro && el("p", { class: "intro" }, config.intro),
      faq,
      this.offlineNotice,
      this.messageList.element,
      this.typing,
      this.rating.element,
      this.newChatButton,
    );
    this.body.addEventListener("scroll", () => {
      this.pinned = this.body.scrollHeight - this.body.scrollTop - this.body.clientHeight < 48;
    });
    // Images load after they are drawn (load does not bubble, hence the capture).
    this.body.addEventListener("load", () => this.scrollToEnd(), true);

    this.statusText = el("span", { class: "status", "data-testid": "hotline-status" });
    this.endButton = el("button", { type: "button", class: "end", "data-testid": "hotline-end" });
    this.endButton.addEventListener("click", () => this.connection.endConversation());
    this.statusBar = el("div", { class: "status-bar" }, this.statusText, this.endButton);
    this.notice = el("div", { class: "notice", role: "alert", "data-testid": "hotline-notice", hidden: true });
    this.composer = new Composer({
      connection: this.connection,
      config,
      serverOrigin: options.serverOrigin,
      tenant: options.tenant,
      report: (notice) => {
        this.localNotice = notice;
        this.render();
      },
      onSent: () => this.scrollToEnd(true),
    });

    this.panel = el(
      "section",
      { class: "panel", "data-testid": "hotline-panel", role: "dialog", "aria-label": config.organisationName },
      header,
      this.connectionBanner,
      this.body,
      this.statusBar,
      this.notice,
      this.composer.element,
    );

    const root = el("div", { class: `root ${mode}` }, this.launcher, this.panel);
    const color = /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(config.primaryColor) ? config.primaryColor : DEFAULT_COLOR;
    root.style.setProperty("--primary", color);
    root.style.setProperty("--on-primary", readableTextOn(color));
    // An element name of our own: host rules for div, section and the like do not reach it.
    this.host = document.createElement("hotline-chat");
    const shadow = this.host.attachShadow({ mode: "open" });
    shadow.append(el("style", {}, css), root);

    this.connection.subscribe(() => this.render());
    this.render();
  }

  get isOpen(): boolean {
    return this.open;
  }

  get language(): Language {
    return this.currentLanguage;
  }

  setOpen(open: boolean): void {
    if (this.options.mode === "page" || open === this.open) return;
    this.open = open;
    this.options.onOpenChange(open);
    if (open) this.connection.start();
    this.render();
    if (open) {
      this.scrollToEnd(true);
      this.composer.focus();
    }
  }

  private readonly t: Translate = (key, variables) => translate(this.currentLanguage, key, variables);

  private setLanguage(language: Language): void {
    this.currentLanguage = language;
    this.messageList.setContext(this.listContext());
    this.options.onLanguageChange(language);
    this.render();
  }

  private listContext() {
    return { t: this.t, language: this.currentLanguage, serverOrigin: this.options.serverOrigin };
  }

  private render(): void {
    const snapshot = this.connection.snapshot();
    const { config } = this.options;
    const t = this.t;
    const conversationOpen = snapshot.status === "queued" || snapshot.status === "assigned";
    const closed = snapshot.status === "closed";

    const agentMessages = snapshot.messages.filter((entry) => entry.author.kind === "agent").length;
    if (this.open) this.seen = { conversationId: snapshot.conversationId, agentMessages };
    const unread =
      snapshot.conversationId === this.seen.conversationId ? agentMessages > this.seen.agentMessages : agentMessages > 0;
    this.badge.hidden = this.open || !unread;
    this.launcher?.setAttribute("aria-label", t("openChat"));
    this.launcher?.setAttribute("aria-expanded", String(this.open));
    this.panel.hidden = !this.open;

    this.languageSelect.setAttribute("aria-label", t("language"));
    this.minimiseButton?.setAttribute("aria-label", t("minimise"));
    this.connectionBanner.hidden = snapshot.connection !== "reconnecting";
    this.connectionBanner.textContent = t("reconnecting");
    this.faqTitle.textContent = t("faq");

    // No agent: the tenant either takes messages anyway (the conversation waits in the queue)
    // or asks the visitor to come back. An open conversation carries on regardless.
    const offline = !config.agentsAvailable && !conversationOpen && !closed;
    const writingBlocked = offline && !config.offlineMessages;
    this.offlineNotice.hidden = !offline;
    this.offlineNotice.textContent = config.offlineMessages ? config.offlinePrompt : t("nobodyAvailable");

    this.messageList.update(snapshot);
    this.typing.hidden = snapshot.agentTyping === null;
    this.typing.textContent = t("typing", { name: snapshot.agentTyping || t("agent") });
    this.rating.update(snapshot, t);
    this.newChatButton.hidden = !closed;
    this.newChatButton.textContent = t("newChat");

    this.statusBar.hidden = snapshot.status === "none";
    this.statusText.textContent =
      snapshot.status === "queued"
        ? t("queued")
        : snapshot.status === "assigned"
          ? t("joined", { name: snapshot.agentName || t("agent") })
          : closed
            ? t("ended")
            : "";
    this.endButton.hidden = !conversationOpen;
    this.endButton.disabled = snapshot.connection !== "online";
    this.endButton.textContent = t("endChat");

    const notice = this.localNotice
      ? t(this.localNotice.key, this.localNotice.variables)
      : snapshot.notice?.code === "chat.rate_limited"
        ? t("slowDown")
        : (snapshot.notice?.message ?? "");
    this.notice.hidden = !notice;
    this.notice.textContent = notice;

    this.composer.element.hidden = closed;
    this.composer.update(t, writingBlocked);
    this.scrollToEnd();
  }

  /** Scrolls to the newest message: always when `force`, else only if the visitor was already there. */
  private scrollToEnd(force = false): void {
    if (force) this.pinned = true;
    if (this.pinned) this.body.scrollTop = this.body.scrollHeight;
  }
}

/** Black or white, whichever reads better on `color` (#rgb or #rrggbb). */
export function readableTextOn(color: string): string {
  const hex = color.length === 4 ? [...color.slice(1)].map((digit) => digit + digit).join("") : color.slice(1);
  const [red, green, blue] = [0, 2, 4].map((offset) => parseInt(hex.slice(offset, offset + 2), 16) / 255);
  const luminance = 0.2126 * red! + 0.7152 * green! + 0.0722 * blue!;
  return luminance > 0.6 ? "#1f2329" : "#ffffff";
}
