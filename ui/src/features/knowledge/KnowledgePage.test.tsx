import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import { KnowledgePage } from "./KnowledgePage";
import { AGENT, article, CATEGORIES, failure, HIT, pageAnswers, REFUND, WRITER } from "./testing/fixtures";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pressEnter(element: HTMLElement) {
  fireEvent.keyDown(element, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
}

/** Opens a tab by its key (getByRole is slow on pages this big in jsdom). */
async function openTab(key: "favourites" | "inbox" | "templates" | "gaps") {
  await act(async () => {
    fireEvent.click(screen.getByTestId(`knowledge-tab-${key}`));
  });
}

function tabKeys(): string[] {
  return [...document.querySelectorAll("[data-testid^=knowledge-tab-]")].map((tab) => tab.getAttribute("data-testid")!.slice("knowledge-tab-".length));
}

describe("the knowledge base page", () => {
  it("searches only when asked, and shows the server's highlighted hits with path, keywords and the paperclip", async () => {
    const server = fakeGraphqlServer(pageAnswers({ SearchKnowledge: { data: { searchKnowledge: { total: 1, hits: [HIT] } } } }));
    renderInShell(<KnowledgePage />, AGENT);
    await screen.findByTestId("knowledge-article-item");
    const input = screen.getByTestId("knowledge-search");
    fireEvent.change(input, { target: { value: "退款" } });
    fireEvent.change(input, { target: { value: "退款 " } });
    // Typing alone asks nothing: a search that finds nothing is recorded as knowledge to add.
    expect(server.requests.filter((request) => request.operation === "SearchKnowledge")).toHaveLength(0);
    pressEnter(input);

    const hit = await screen.findByTestId("knowledge-hit");
    const searches = server.requests.filter((request) => request.operation === "SearchKnowledge");
    expect(searches).toHaveLength(1);
    expect(searches[0]!.variables).toEqual({ query: "退款", categoryId: null, includeDrafts: false, first: 20, offset: 0 });
    const title = within(hit).getByTestId("knowledge-hit-title");
    expect([...title.querySelectorAll("mark")].map((mark) => mark.textContent)).toEqual(["退款"]);
    expect(title.textContent).toBe("退款流程 Refund steps");
    const snippet = within(hit).getByTestId("knowledge-hit-snippet");
    expect(snippet.querySelector("mark")!.textContent).toBe("退款");
    // The server escaped the rest: it stays text.
    expect(snippet.textContent).toContain("check <the order>");
    expect(snippet.querySelector("the")).toBeNull();
    expect(within(hit).getByTestId("knowledge-item-path").textContent).toBe("Billing / Refunds");
    expect(within(hit).getByText("refund")).toBeTruthy();
    expect(within(hit).getByTestId("knowledge-hit-attachment")).toBeTruthy();
    expect(screen.getByTestId("knowledge-list-caption").textContent).toBe("Results for “退款” in All: 1");

    // The button searches too; the same text again asks again.
    fireEvent.click(screen.getByTestId("knowledge-search-button"));
    await waitFor(() => expect(server.requests.filter((request) => request.operation === "SearchKnowledge")).toHaveLength(2));
  });

  it("searches within the selected category", async () => {
    const server = fakeGraphqlServer(pageAnswers({ SearchKnowledge: { data: { searchKnowledge: { total: 1, hits: [HIT] } } } }));
    renderInShell(<KnowledgePage />, AGENT);
    const refunds = await screen.findByText("Refunds");
    fireEvent.click(refunds);
    await waitFor(() =>
      expect(server.requests.filter((request) => request.operation === "KnowledgeArticles").at(-1)!.variables).toMatchObject({ categoryId: "cat-refunds" }),
    );
    const input = screen.getByTestId("knowledge-search");
    fireEvent.change(input, { target: { value: "card" } });
    pressEnter(input);
    await screen.findByTestId("knowledge-hit");
    expect(server.requests.filter((request) => request.operation === "SearchKnowledge").at(-1)!.variables).toMatchObject({
      query: "card",
      categoryId: "cat-refunds",
    });
  });

  it("shows the server's reason under the box when it cannot read the query, keeping the text", async () => {
    fakeGraphqlServer(pageAnswers({ SearchKnowledge: failure("knowledge.invalid_query", "unbalanced quote: the \" at position 1 is never closed") }));
    renderInShell(<KnowledgePage />, AGENT);
    const input = (await screen.findByTestId("knowledge-search")) as HTMLInputElement;
    fireEvent.change(input, { target: { value: "\"退款 流程" } });
    pressEnter(input);
    const shown = await screen.findByTestId("knowledge-search-error");
    expect(shown.textContent).toBe("unbalanced quote: the \" at position 1 is never closed");
    expect(input.value).toBe("\"退款 流程");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("tells the user when nothing was found", async () => {
    fakeGraphqlServer(pageAnswers({ SearchKnowledge: { data: { searchKnowledge: { total: 0, hits: [] } } } }));
    renderInShell(<KnowledgePage />, AGENT);
    const input = await screen.findByTestId("knowledge-search");
    fireEvent.change(input, { target: { value: "zebra crossing tax" } });
    pressEnter(input);
    expect((await screen.findByTestId("knowledge-no-hits")).textContent).toContain("Nothing found for “zebra crossing tax”.");
  });

  it("offers agents reading only: no writing, drafts, templates, knowledge to add or pushing", async () => {
    const server = fakeGraphqlServer(pageAnswers());
    renderInShell(<KnowledgePage />, AGENT);
    const item = await screen.findByTestId("knowledge-article-item");
    expect(server.requests.find((request) => request.operation === "KnowledgeArticles")!.variables).toMatchObject({ includeDrafts: false });
    for (const testId of ["knowledge-new", "knowledge-include-drafts", "knowledge-category-actions", "knowledge-category-add"]) {
      expect(screen.queryByTestId(testId), testId).toBeNull();
    }
    expect(tabKeys()).toEqual(["browse", "favourites", "inbox"]);
    fireEvent.click(within(item).getByTestId("knowledge-open"));
    await screen.findByTestId("knowledge-article");
    expect(screen.getByTestId("knowledge-favourite")).toBeTruthy();
    expect(screen.queryByTestId("knowledge-reader-edit")).toBeNull();
    expect(screen.queryByTestId("knowledge-push")).toBeNull();
    expect(server.requests.some((request) => ["KnowledgeGaps", "KnowledgeTemplates"].includes(request.operation))).toBe(false);
  });

  it("gives writers the editor, drafts, templates and knowledge to add", async () => {
    const server = fakeGraphqlServer(pageAnswers());
    renderInShell(<KnowledgePage />, WRITER);
    await screen.findByTestId("knowledge-article-item");
    expect(server.requests.find((request) => request.operation === "KnowledgeArticles")!.variables).toMatchObject({ includeDrafts: true });
    expect(screen.getByTestId("knowledge-new")).toBeTruthy();
    expect(screen.getByTestId("knowledge-category-actions")).toBeTruthy();
    expect(tabKeys()).toEqual(["browse", "favourites", "inbox", "templates", "gaps"]);
    fireEvent.click(within(screen.getByTestId("knowledge-article-item")).getByTestId("knowledge-open"));
    await screen.findByTestId("knowledge-article");
    expect(screen.getByTestId("knowledge-reader-edit")).toBeTruthy();
    expect(screen.getByTestId("knowledge-push")).toBeTruthy();
  });

  it("shows an article whole and toggles it as a favourite, a fresh command each time", async () => {
    let favourite = false;
    const favourites: Record<string, unknown>[] = [];
    const full = article("art-refund", {
      attachments: [
        { blobId: "b-doc", name: "退款规则.txt", contentType: "text/plain", size: 2048, kind: "DOCUMENT", url: "/api/knowledge/attachments/b-doc", textChars: 1234 },
        { blobId: "b-audio", name: "greeting.mp3", contentType: "audio/mpeg", size: 300_000, kind: "AUDIO", url: "/api/knowledge/attachments/b-audio", textChars: 0 },
      ],
      quiz: [{ id: "q-1", text: "How long does a refund take?", options: ["1 day", "7 days"], correctOptions: [1], explanation: "Banks need up to a week." }],
    });
    fakeGraphqlServer(
      pageAnswers({
        KnowledgeArticle: () => ({ data: { knowledgeArticle: { ...full, favourite } } }),
        SetKnowledgeFavourite: (variables) => {
          favourites.push(variables);
          favourite = variables.favourite === true;
          return { data: { setKnowledgeFavourite: true } };
        },
      }),
    );
    renderInShell(<KnowledgePage />, AGENT);
    fireEvent.click(within(await screen.findByTestId("knowledge-article-item")).getByTestId("knowledge-open"));
    const shown = await screen.findByTestId("knowledge-article");
    expect(within(shown).getByTestId("knowledge-article-title").textContent).toBe("退款流程 Refund steps");
    expect(within(shown).getByText("Billing")).toBeTruthy();
    expect(within(shown).getByTestId("knowledge-article-body").querySelector("strong")!.textContent).toBe("refund");
    expect(within(shown).getByTestId("knowledge-article-revision").textContent).toContain("Revision 3");
    expect(within(shown).getByTestId("knowledge-article-revision").textContent).toContain("Demo supervisor");
    const links = within(shown).getAllByTestId("knowledge-attachment-link");
    expect(links.map((link) => link.getAttribute("href"))).toEqual(["/api/knowledge/attachments/b-doc", "/api/knowledge/attachments/b-audio"]);
    expect(within(shown).getByTestId("knowledge-audio").getAttribute("src")).toBe("/api/knowledge/attachments/b-audio");

    // Check yourself: a wrong pick, then the right answer and the explanation.
    const question = within(shown).getByTestId("knowledge-quiz-question");
    fireEvent.click(within(question).getByText("1 day"));
    fireEvent.click(within(question).getByTestId("knowledge-quiz-check"));
    expect(within(question).getByTestId("knowledge-quiz-verdict").getAttribute("data-right")).toBe("false");
    expect(within(question).getByTestId("knowledge-quiz-explanation").textContent).toBe("Banks need up to a week.");
    const results = within(question).getAllByTestId("knowledge-quiz-option-result");
    expect(results.map((result) => result.getAttribute("data-correct"))).toEqual(["false", "true"]);

    const star = screen.getByTestId("knowledge-favourite");
    expect(star.getAttribute("data-favourite")).toBe("false");
    fireEvent.click(star);
    await waitFor(() => expect(screen.getByTestId("knowledge-favourite").getAttribute("data-favourite")).toBe("true"));
    await waitFor(() => expect(screen.getByTestId("knowledge-favourite").className).not.toContain("loading"));
    fireEvent.click(screen.getByTestId("knowledge-favourite"));
    await waitFor(() => expect(favourites).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId("knowledge-favourite").getAttribute("data-favourite")).toBe("false"));
    expect(favourites[0]).toMatchObject({ articleId: "art-refund", favourite: true });
    expect(favourites[1]).toMatchObject({ articleId: "art-refund", favourite: false });
    expect(favourites[0]!.commandId).toMatch(UUID);
    expect(favourites[1]!.commandId).not.toBe(favourites[0]!.commandId);
  });

  it("counts unread pushes and marks one read when it is opened", async () => {
    let read = false;
    const marked: Record<string, unknown>[] = [];
    const server = fakeGraphqlServer(
      pageAnswers({
        KnowledgeInbox: () => ({
          data: {
            knowledgeInbox: [{ article: { ...HIT.article }, note: "New refund rules from Monday", pushedByName: "Demo supervisor", pushedAt: "2026-11-25T11:00:00Z", read }],
          },
        }),
        MarkKnowledgePushRead: (variables) => {
          marked.push(variables);
          read = true;
          return { data: { markKnowledgePushRead: true } };
        },
      }),
    );
    renderInShell(<KnowledgePage />, AGENT);
    await waitFor(() => expect(screen.getByTestId("knowledge-tab-inbox").getAttribute("data-unread")).toBe("1"));
    await openTab("inbox");
    const unread = await screen.findByTestId("knowledge-inbox-item-unread");
    expect(within(unread).getByTestId("knowledge-inbox-note").textContent).toContain("New refund rules from Monday");
    fireEvent.click(within(unread).getByTestId("knowledge-open"));
    await screen.findByTestId("knowledge-article");
    await waitFor(() => expect(marked).toEqual([{ commandId: expect.stringMatching(UUID), articleId: "art-refund" }]));
    await waitFor(() => expect(screen.getByTestId("knowledge-tab-inbox").getAttribute("data-unread")).toBe("0"));
    expect(server.requests.filter((request) => request.operation === "KnowledgeInbox").length).toBeGreaterThanOrEqual(2);
  });

  it("writes an article for a search that found nothing, then resolves it with the new article", async () => {
    const saved: Record<string, unknown>[] = [];
    const resolved: Record<string, unknown>[] = [];
    fakeGraphqlServer(
      pageAnswers({
        SaveKnowledgeArticle: (variables) => {
          saved.push(variables);
          const input = variables.input as { title: string; keywords: string[] };
          return { data: { saveKnowledgeArticle: article("art-new", { title: input.title, keywords: input.keywords, revision: 1 }) } };
        },
        ResolveKnowledgeGap: (variables) => {
          resolved.push(variables);
          return { data: { resolveKnowledgeGap: true } };
        },
      }),
    );
    renderInShell(<KnowledgePage />, WRITER);
    await screen.findByTestId("knowledge-article-item");
    await openTab("gaps");
    const row = await screen.findByTestId("knowledge-gap-row");
    expect(row.getAttribute("data-query")).toBe("parcel lost abroad");
    expect(within(row).getByText("7")).toBeTruthy();
    fireEvent.click(within(row).getByTestId("knowledge-gap-write"));

    const editor = await screen.findByTestId("knowledge-editor-form");
    await waitFor(() => expect((within(editor).getByTestId("knowledge-title") as HTMLInputElement).value).toBe("parcel lost abroad"));
    expect(within(screen.getByTestId("knowledge-keywords")).getByText("parcel lost abroad")).toBeTruthy();
    fireEvent.click(screen.getByTestId("knowledge-save"));

    await waitFor(() => expect(resolved).toHaveLength(1));
    expect(saved[0]!.input).toEqual({
      categoryId: null,
      title: "parcel lost abroad",
      keywords: ["parcel lost abroad"],
      summary: "",
      bodyHtml: "",
      attachmentIds: [],
      quiz: [],
      published: true,
    });
    expect(resolved[0]).toEqual({ commandId: expect.stringMatching(UUID), query: "parcel lost abroad", articleId: "art-new" });
    expect(resolved[0]!.commandId).not.toBe(saved[0]!.commandId);
  });

  it("dismisses a search from knowledge to add", async () => {
    const resolved: Record<string, unknown>[] = [];
    fakeGraphqlServer(
      pageAnswers({
        ResolveKnowledgeGap: (variables) => {
          resolved.push(variables);
          return { data: { resolveKnowledgeGap: true } };
        },
      }),
    );
    renderInShell(<KnowledgePage />, WRITER);
    await screen.findByTestId("knowledge-article-item");
    await openTab("gaps");
    fireEvent.click(within(await screen.findByTestId("knowledge-gap-row")).getByTestId("knowledge-gap-dismiss"));
    fireEvent.click(await screen.findByTestId("knowledge-gap-dismiss-confirm"));
    await waitFor(() => expect(resolved).toEqual([{ commandId: expect.stringMatching(UUID), query: "parcel lost abroad", articleId: null }]));
  });

  it("adds a category below the selected one by sending the whole tree", async () => {
    const defined: Record<string, unknown>[] = [];
    fakeGraphqlServer(
      pageAnswers({
        DefineKnowledgeCategories: (variables) => {
          defined.push(variables);
          const categories = (variables.categories as { id: string; parentId: string | null; name: string; sortOrder: number }[]).map((category) => ({
            ...category,
            articleCount: CATEGORIES.find((known) => known.id === category.id)?.articleCount ?? 0,
          }));
          return { data: { defineKnowledgeCategories: categories } };
        },
      }),
    );
    renderInShell(<KnowledgePage />, WRITER);
    fireEvent.click(await screen.findByText("Billing"));
    fireEvent.click(screen.getByTestId("knowledge-category-add"));
    const name = await screen.findByTestId("knowledge-category-name");
    fireEvent.change(name, { target: { value: "Chargebacks" } });
    fireEvent.click(screen.getByTestId("knowledge-category-name-save"));
    await waitFor(() => expect(defined).toHaveLength(1));
    const sent = defined[0]!.categories as { id: string; parentId: string | null; name: string; sortOrder: number }[];
    expect(sent.slice(0, 3)).toEqual(CATEGORIES.map(({ id, parentId, name: categoryName, sortOrder }) => ({ id, parentId, name: categoryName, sortOrder })));
    expect(sent[3]).toEqual({ id: expect.stringMatching(UUID), parentId: "cat-billing", name: "Chargebacks", sortOrder: 1 });
    expect(defined[0]!.commandId).toMatch(UUID);
    expect(await screen.findByText("Chargebacks")).toBeTruthy();
  });

  it("refuses to offer deleting a category that has articles or subcategories", async () => {
    fakeGraphqlServer(pageAnswers());
    renderInShell(<KnowledgePage />, WRITER);
    fireEvent.click(await screen.findByText("Billing"));
    expect((screen.getByTestId("knowledge-category-delete") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByText("Delivery"));
    await waitFor(() => expect((screen.getByTestId("knowledge-category-delete") as HTMLButtonElement).disabled).toBe(false));
  });

  it("opens the editor from the reader for writers, starting from the article's revision", async () => {
    fakeGraphqlServer(pageAnswers({ KnowledgeArticle: { data: { knowledgeArticle: REFUND } } }));
    renderInShell(<KnowledgePage />, WRITER);
    fireEvent.click(within(await screen.findByTestId("knowledge-article-item")).getByTestId("knowledge-open"));
    fireEvent.click(await screen.findByTestId("knowledge-reader-edit"));
    const editor = await screen.findByTestId("knowledge-editor-form");
    await waitFor(() => expect((within(editor).getByTestId("knowledge-title") as HTMLInputElement).value).toBe("退款流程 Refund steps"));
  });
});
