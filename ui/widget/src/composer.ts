/** Where the visitor writes: the text box, the emoji picker, the file button and Send. */
import type { ChatConnection } from "./connection";
import { el } from "./dom";
import type { MessageKey, Translate } from "./i18n";
import { MAX_TEXT_LENGTH, type WidgetConfig } from "./protocol";
import { checkFile, UploadError, uploadFile } from "./upload";

/** A small fixed set: enough for tone, no picker library. */
const EMOJI = [..."😀😂😊😍😉😎🤔😅😢😡👍👎👏🙏👋👌🎉🔥💯✅❌⭐💡📎"];

/** A line for the visitor above the composer: a file refused, a file on its way. */
/** An icon, not the 📎 emoji: the tools must show even where no emoji font is installed. */
const PAPERCLIP_ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>';

export interface LocalNotice {
  key: MessageKey;
  variables?: Record<string, string>;
}

export interface ComposerOptions {
  connection: ChatConnection;
  config: WidgetConfig;
  serverOrigin: string;
  tenant: string;
  /** Shows (or, with null, clears) a line above the composer. */
  report: (notice: LocalNotice | null) => void;
  /** The visitor sent something: the list scrolls to it. */
  onSent: () => void;
}

export class Composer {
  readonly element: HTMLElement;
  private readonly options: ComposerOptions;
  private readonly input: HTMLTextAreaElement;
  private readonly emojiButton: HTMLButtonElement;
  private readonly emojiGrid: HTMLDivElement;
  private readonly fileLabel: HTMLLabelElement;
  private readonly fileInput: HTMLInputElement;
  private readonly sendButton: HTMLButtonElement;

  constructor(options: ComposerOptions) {
    this.options = options;
    this.input = el("textarea", { rows: "1", maxlength: String(MAX_TEXT_LENGTH), "data-testid": "hotline-input" });
    this.input.addEventListener("keydown", (event) => {
      // Enter also confirms a word in a Chinese input method: that Enter must not send.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      this.sendText();
    });
    this.input.addEventListener("input", () => {
      this.fitHeight();
      if (this.input.value.trim()) options.connection.sendTyping();
    });

    this.emojiGrid = el("div", { class: "emoji-grid", hidden: true });
    for (const emoji of EMOJI) {
      const button = el("button", { type: "button" }, emoji);
      button.addEventListener("click", () => this.insertEmoji(emoji));
      this.emojiGrid.append(button);
    }
    this.emojiButton = el("button", { type: "button", class: "icon" }, "☺");
    this.emojiButton.addEventListener("click", () => {
      this.emojiGrid.hidden = !this.emojiGrid.hidden;
    });

    // The input itself carries the test id: Playwright's setInputFiles needs the <input>.
    this.fileInput = el("input", {
      type: "file",
      class: "file-input",
      accept: options.config.allowedUploadTypes.join(","),
      "data-testid": "hotline-file",
    });
    this.fileInput.addEventListener("change", () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = "";
      if (file) void this.sendFile(file);
    });
    this.fileLabel = el("label", { class: "icon", tabindex: "0" }, this.fileInput);
    this.fileLabel.insertAdjacentHTML("afterbegin", PAPERCLIP_ICON);
    this.fileLabel.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.fileInput.click();
      }
    });

    this.sendButton = el("button", { type: "button", class: "primary", "data-testid": "hotline-send" });
    this.sendButton.addEventListener("click", () => this.sendText());

    this.element = el(
      "div",
      { class: "composer" },
      this.emojiGrid,
      this.input,
      el("div", { class: "tools" }, this.emojiButton, this.fileLabel, this.sendButton),
    );
  }

  update(t: Translate, disabled: boolean): void {
    this.input.placeholder = t("placeholder");
    this.emojiButton.setAttribute("aria-label", t("emoji"));
    this.emojiButton.title = t("emoji");
    this.fileLabel.title = t("attach");
    this.fileLabel.setAttribute("aria-label", t("attach"));
    this.sendButton.textContent = t("send");
    for (const control of [this.input, this.emojiButton, this.fileInput, this.sendButton]) control.disabled = disabled;
    this.fileLabel.classList.toggle("disabled", disabled);
    if (disabled) this.emojiGrid.hidden = true;
  }

  focus(): void {
    this.input.focus();
  }

  private sendText(): void {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    this.options.report(null);
    this.options.connection.send({ text: text.slice(0, MAX_TEXT_LENGTH) });
    this.input.value = "";
    this.emojiGrid.hidden = true;
    this.fitHeight();
    this.options.onSent();
  }

  private insertEmoji(emoji: string): void {
    if (this.input.value.length + emoji.length > MAX_TEXT_LENGTH) return;
    this.input.setRangeText(emoji, this.input.selectionStart, this.input.selectionEnd, "end");
    this.emojiGrid.hidden = true;
    this.input.focus();
    this.fitHeight();
  }

  private async sendFile(file: File): Promise<void> {
    const { config, connection, report } = this.options;
    const problem = checkFile(file, config);
    if (problem) {
      report(problem);
      return;
    }
    const token = connection.snapshot().visitorToken;
    if (!token) {
      report({ key: "notConnected" });
      return;
    }
    report({ key: "uploading", variables: { name: file.name } });
    try {
      const attachment = await uploadFile(this.options.serverOrigin, this.options.tenant, token, file, config);
      report(null);
      connection.send({ attachment });
      this.options.onSent();
    } catch (error) {
      report(
        error instanceof UploadError
          ? error.problem
          : { key: "uploadFailed", variables: { name: file.name, reason: String(error) } },
      );
    }
  }

  /** The box grows with its text, up to the CSS max-height. */
  private fitHeight(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${this.input.scrollHeight}px`;
  }
}
