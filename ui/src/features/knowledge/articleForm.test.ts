import { describe, expect, it } from "vitest";
import { articleFormPath, articleFormValues, articleInput } from "./articleForm";
import { article } from "./testing/fixtures";

describe("the article form", () => {
  it("round-trips an article, quiz options as rows with their correct marks", () => {
    const saved = article("a-1", {
      quiz: [{ id: "q-1", text: "Which?", options: ["A", "B", "C"], correctOptions: [0, 2], explanation: "Both." }],
    });
    const values = articleFormValues(saved);
    expect(values.quiz[0]!.options).toEqual([
      { text: "A", correct: true },
      { text: "B", correct: false },
      { text: "C", correct: true },
    ]);
    expect(articleInput(values, saved)).toEqual({
      id: "a-1",
      expectedRevision: 3,
      categoryId: "cat-refunds",
      title: saved.title,
      keywords: saved.keywords,
      summary: saved.summary,
      bodyHtml: saved.bodyHtml,
      attachmentIds: [],
      quiz: [{ id: "q-1", text: "Which?", options: ["A", "B", "C"], correctOptions: [0, 2], explanation: "Both." }],
      published: true,
    });
  });

  it("starts a new article from a prefill, trims and drops repeated keywords, and sends no id", () => {
    const values = articleFormValues(null, { title: "lost parcel", keywords: ["lost parcel"] });
    expect(values).toMatchObject({ title: "lost parcel", keywords: ["lost parcel"], published: true, categoryId: null });
    const input = articleInput({ ...values, title: "  Lost parcel ", keywords: [" 包裹 ", "包裹", "", "parcel"] }, null);
    expect(input).not.toHaveProperty("id");
    expect(input).not.toHaveProperty("expectedRevision");
    expect(input.title).toBe("Lost parcel");
    expect(input.keywords).toEqual(["包裹", "parcel"]);
  });

  it("points the server's field names at the form's fields", () => {
    expect(articleFormPath("title")).toEqual(["title"]);
    expect(articleFormPath("attachmentIds")).toEqual(["attachments"]);
    expect(articleFormPath("quiz")).toEqual(["quiz"]);
    expect(articleFormPath("quiz.2.text")).toEqual(["quiz", 2, "text"]);
    expect(articleFormPath("quiz.0.correctOptions")).toEqual(["quiz", 0, "options"]);
    expect(articleFormPath("quiz.x.text")).toEqual(["quiz"]);
    expect(articleFormPath("source")).toBeNull();
  });
});
