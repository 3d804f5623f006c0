/** After the conversation closes: one to five stars and an optional comment, sent once, then thanks. */
import type { ChatSnapshot } from "./connection";
import { el } from "./dom";
import type { Translate } from "./i18n";
import { MAX_COMMENT_LENGTH } from "./protocol";

const SCORES = [1, 2, 3, 4, 5] as const;

export class RatingForm {
  readonly element: HTMLDivElement;
  private readonly form: HTMLFormElement;
  private readonly title: HTMLParagraphElement;
  private readonly stars: HTMLButtonElement[];
  private readonly comment: HTMLTextAreaElement;
  private readonly submit: HTMLButtonElement;
  private readonly thanks: HTMLParagraphElement;
  private score = 0;
  /** Set once the rating went out, so that a double click sends one; cleared if the socket drops before `rated`. */
  private sent = false;
  private online = false;
  private t: Translate;

  constructor(t: Translate, onRate: (score: number, comment: string) => void) {
    this.t = t;
    this.stars = SCORES.map((score) => {
      const star = el("button", { type: "button", class: "star", "data-testid": `hotline-rate-star-${score}` }, "★");
      star.addEventListener("click", () => {
        this.score = score;
        this.refresh();
      });
      return star;
    });
    this.title = el("p", { class: "rating-title" });
    this.comment = el("textarea", {
      rows: "2",
      maxlength: String(MAX_COMMENT_LENGTH),
      "data-testid": "hotline-rate-comment",
    });
    this.submit = el("button", { type: "submit", class: "primary", "data-testid": "hotline-rate-submit" });
    this.form = el("form", {}, this.title, el("div", { class: "stars" }, ...this.stars), this.comment, this.submit);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.score === 0 || this.sent) return;
      this.sent = true;
      onRate(this.score, this.comment.value.trim());
      this.refresh();
    });
    this.thanks = el("p", { class: "rating-title", "data-testid": "hotline-rated" });
    this.element = el("div", { class: "rating" }, this.form, this.thanks);
  }

  /** For the next conversation: no score, no comment. */
  reset(): void {
    this.score = 0;
    this.sent = false;
    this.comment.value = "";
  }

  update(snapshot: ChatSnapshot, t: Translate): void {
    this.t = t;
    this.online = snapshot.connection === "online";
    if (!this.online) this.sent = false;
    this.element.hidden = snapshot.status !== "closed";
    this.form.hidden = snapshot.rated;
    this.thanks.hidden = !snapshot.rated;
    this.refresh();
  }

  private refresh(): void {
    const t = this.t;
    this.title.textContent = t("rateTitle");
    this.thanks.textContent = t("rated");
    this.comment.placeholder = t("rateComment");
    this.submit.textContent = t("rateSubmit");
    this.submit.disabled = this.score === 0 || this.sent || !this.online;
    this.stars.forEach((star, index) => {
      const score = index + 1;
      star.classList.toggle("on", score <= this.score);
      star.setAttribute("aria-pressed", String(score === this.score));
      star.setAttribute("aria-label", t("rateStar", { score }));
    });
  }
}
