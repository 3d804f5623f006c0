import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { pick } from "../customers/testing/select";
import { renderInShell } from "../customers/testing/shell";
import { type ArticleEditing, ArticleEditor } from "./ArticleEditor";
import type { KnowledgeArticle } from "./knowledge.graphql";
import { KNOWLEDGE_ATTACHMENTS_PATH } from "./rest";
import { article, CATEGORIES, failure, REFUND, TEMPLATES, WRITER } from "./testing/fixtures";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

function renderEditor(editing: ArticleEditing, onSaved: (saved: KnowledgeArticle) => void = () => {}) {
  return renderInShell(<ArticleEditor editing={editing} categories={CATEGORIES} onClose={() => {}} onSaved={onSaved} />, WRITER);
}

async function form() {
  const shown = await screen.findByTestId("knowledge-editor-form");
  await waitFor(() => expect((within(shown).getByTestId("knowledge-title") as HTMLInputElement).value).not.toBe(""));
  return shown;
}

function save() {
  fireEvent.click(screen.getByTestId("knowledge-save"));
}

/** The error antd shows under a form item, by the item's input test id. */
function explainOf(testId: string): string {
  const item = screen.getByTestId(testId).closest(".ant-form-item")!;
  return item.querySelector(".ant-form-item-explain")?.textContent ?? "";
}

describe("the article editor", () => {
  it("saves an existing article with the revision it started from, and puts the server's field problems under the fields", async () => {
    const sent: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      KnowledgeTemplates: { data: { knowledgeTemplates: TEMPLATES } },
      SaveKnowledgeArticle: (variables) => {
        sent.push(variables);
        return failure("knowledge.invalid_article", "title: is longer than 200 characters; source: is not allowed", {
          fields: [
            { field: "title", message: "is longer than 200 characters" },
            { field: "source", message: "is not allowed" },
          ],
        });
      },
    });
    const withQuiz = article("art-refund", {
      quiz: [{ id: "q-1", text: "How long?", options: ["1 day", "7 days"], correctOptions: [1], explanation: "A week." }],
    });
    renderEditor({ article: withQuiz });
    const shown = await form();
    fireEvent.change(within(shown).getByTestId("knowledge-title"), { target: { value: "退款流程（新）" } });
    save();

    await waitFor(() => expect(explainOf("knowledge-title")).toBe("At most 200 characters"));
    expect(screen.getByTestId("knowledge-editor-error").textContent).toContain("source: is not allowed");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.input).toEqual({
      id: "art-refund",
      expectedRevision: 3,
      categoryId: "cat-refunds",
      title: "退款流程（新）",
      keywords: ["退款", "refund"],
      summary: "Refunds go back to the original card within 7 days.",
      bodyHtml: "<p>Check the order, then <strong>refund</strong> it.</p>",
      attachmentIds: [],
      quiz: [{ id: "q-1", text: "How long?", options: ["1 day", "7 days"], correctOptions: [1], explanation: "A week." }],
      published: true,
    });

    // The same values again are the same command; a change makes a new one.
    save();
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.commandId).toBe(sent[0]!.commandId);
    fireEvent.change(within(shown).getByTestId("knowledge-title"), { target: { value: "退款流程" } });
    save();
    await waitFor(() => expect(sent).toHaveLength(3));
    expect(sent[2]!.commandId).not.toBe(sent[0]!.commandId);
  });

  it("puts a quiz question's problem under that question", async () => {
    fakeGraphqlServer({
      KnowledgeTemplates: { data: { knowledgeTemplates: [] } },
      SaveKnowledgeArticle: failure("knowledge.invalid_article", "quiz.0.explanation: is longer than 1000 characters", {
        fields: [{ field: "quiz.0.explanation", message: "is longer than 1000 characters" }],
      }),
    });
    renderEditor({ article: article("art-refund", { quiz: [{ id: "q-1", text: "How long?", options: ["1 day", "7 days"], correctOptions: [1], explanation: "A week." }] }) });
    await form();
    save();
    await waitFor(() => expect(explainOf("knowledge-quiz-explanation-input")).toBe("At most 1000 characters"));
    expect(screen.queryByTestId("knowledge-editor-error")).toBeNull();
  });

  it("says when someone else saved meanwhile and reloads their version, whose revision the next save expects", async () => {
    const sent: Record<string, unknown>[] = [];
    const saved: KnowledgeArticle[] = [];
    fakeGraphqlServer({
      KnowledgeTemplates: { data: { knowledgeTemplates: [] } },
      KnowledgeArticle: { data: { knowledgeArticle: article("art-refund", { title: "Their title", revision: 4 }) } },
      SaveKnowledgeArticle: (variables) => {
        sent.push(variables);
        const input = variables.input as { expectedRevision: number; title: string };
        if (input.expectedRevision === 3) return failure("knowledge.revision_conflict", "someone else saved the article");
        return { data: { saveKnowledgeArticle: article("art-refund", { title: input.title, revision: 5 }) } };
      },
    });
    renderEditor({ article: REFUND }, (article) => saved.push(article));
    await form();
    save();
    const conflict = await screen.findByTestId("knowledge-conflict");
    expect(conflict.textContent).toContain("Someone else saved this article while you were editing it.");
    fireEvent.click(within(conflict).getByTestId("knowledge-conflict-reload"));
    await waitFor(() => expect((screen.getByTestId("knowledge-title") as HTMLInputElement).value).toBe("Their title"));
    expect(screen.queryByTestId("knowledge-conflict")).toBeNull();
    save();
    await waitFor(() => expect(saved).toHaveLength(1));
    expect((sent[1]!.input as { expectedRevision: number }).expectedRevision).toBe(4);
  });

  it("starts a new article from a template and attaches an uploaded document", async () => {
    const sent: Record<string, unknown>[] = [];
    const graphql = fakeGraphqlServer({
      KnowledgeTemplates: { data: { knowledgeTemplates: TEMPLATES } },
      SaveKnowledgeArticle: (variables) => {
        sent.push(variables);
        return { data: { saveKnowledgeArticle: article("art-new", { revision: 1 }) } };
      },
    });
    const uploads: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (url !== KNOWLEDGE_ATTACHMENTS_PATH) return graphql.fetchMock(url, init);
      uploads.push({ url, init });
      const name = decodeURIComponent((init.headers as Record<string, string>)["x-file-name"]!);
      if (name === "broken.pdf") {
        return new Response(
          JSON.stringify({ type: "about:blank", title: "Unreadable", status: 422, detail: "the PDF's text could not be read: the file is damaged", code: "knowledge.document_unreadable" }),
          { status: 422, headers: { "content-type": "application/problem+json" } },
        );
      }
      return new Response(
        JSON.stringify({ id: "blob-1", name, contentType: "text/plain", size: 5120, kind: "DOCUMENT", url: "/api/knowledge/attachments/blob-1", textChars: 1234 }),
        { status: 201, headers: { "content-type": "application/json" } },
      );
    });
    renderEditor({ article: null, prefill: { title: "退款流程", keywords: ["退款"] } });
    await form();

    await pick(screen.getByTestId("knowledge-template-pick"), "Problem and steps");
    const body = await screen.findByTestId("knowledge-body");
    await waitFor(() => expect(body.querySelector("h2")?.textContent).toBe("Problem"));

    // The upload replaces its file input after each file: look it up each time.
    const input = () => screen.getByTestId("knowledge-attachments-field").querySelector<HTMLInputElement>("input[type=file]")!;
    await act(async () => {
      fireEvent.change(input(), { target: { files: [new File(["退款须知"], "退款须知.txt", { type: "text/plain" })] } });
    });
    const row = await screen.findByTestId("knowledge-attachment");
    expect(within(row).getByTestId("knowledge-attachment-text-chars").textContent).toBe("1234 characters of text for search");
    expect(uploads[0]!.init.method).toBe("POST");
    expect((uploads[0]!.init.headers as Record<string, string>)["x-file-name"]).toBe(encodeURIComponent("退款须知.txt"));
    expect((uploads[0]!.init.headers as Record<string, string>)["content-type"]).toBe("text/plain");

    await act(async () => {
      fireEvent.change(input(), { target: { files: [new File(["%PDF-broken"], "broken.pdf", { type: "application/pdf" })] } });
    });
    await waitFor(() => expect(uploads).toHaveLength(2));
    // The server's detail, as it said it.
    expect(await screen.findByText("broken.pdf was not uploaded: the PDF's text could not be read: the file is damaged")).toBeTruthy();
    expect(screen.getAllByTestId("knowledge-attachment")).toHaveLength(1);

    save();
    await waitFor(() => expect(sent).toHaveLength(1));
    const sentInput = sent[0]!.input as Record<string, unknown>;
    expect(sentInput.id).toBeUndefined();
    expect(sentInput.expectedRevision).toBeUndefined();
    expect(sentInput.title).toBe("退款流程");
    expect(sentInput.keywords).toEqual(["退款"]);
    expect(sentInput.attachmentIds).toEqual(["blob-1"]);
    expect(String(sentInput.bodyHtml)).toContain("<h2>Problem</h2>");
  });

  it("adds a quiz question with options and sends the correct ones as indexes", async () => {
    const sent: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      KnowledgeTemplates: { data: { knowledgeTemplates: [] } },
      SaveKnowledgeArticle: (variables) => {
        sent.push(variables);
        return { data: { saveKnowledgeArticle: article("art-new", { revision: 1 }) } };
      },
    });
    renderEditor({ article: null, prefill: { title: "Refunds" } });
    await form();
    fireEvent.click(screen.getByTestId("knowledge-quiz-add-question"));
    const question = await screen.findByTestId("knowledge-quiz-edit-question");
    fireEvent.change(within(question).getByTestId("knowledge-quiz-question-text"), { target: { value: "Where does the money go?" } });
    fireEvent.click(within(question).getByTestId("knowledge-quiz-add-option"));
    await waitFor(() => expect(within(question).getAllByTestId("knowledge-quiz-option-text")).toHaveLength(3));
    const options = within(question).getAllByTestId("knowledge-quiz-option-text");
    ["Cash", "The original card", "A voucher"].forEach((text, index) => fireEvent.change(options[index]!, { target: { value: text } }));
    const correct = within(question).getAllByTestId("knowledge-quiz-option-correct");
    // The first starts marked: unmark it, mark the second.
    fireEvent.click(correct[0]!);
    fireEvent.click(correct[1]!);
    save();
    await waitFor(() => expect(sent).toHaveLength(1));
    const [sentQuestion] = (sent[0]!.input as { quiz: Record<string, unknown>[] }).quiz;
    expect(sentQuestion).toMatchObject({ text: "Where does the money go?", options: ["Cash", "The original card", "A voucher"], correctOptions: [1], explanation: "" });
    expect(String(sentQuestion!.id)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
