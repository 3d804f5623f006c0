import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findPage } from "../../app/pages";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import "../index";
import { DeskKnowledgePanel } from "./DeskKnowledgePanel";
import { useReplyInsertRequests } from "./replyInsert";
import { AGENT, HIT, REFUND } from "./testing/fixtures";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

/** Stands in for the desk's reply box. */
function ReplyBox({ received }: { received: string[] }) {
  useReplyInsertRequests((text) => received.push(text));
  return null;
}

describe("the knowledge panel on the desk", () => {
  it("is registered as the /knowledge page", () => {
    expect(findPage("/knowledge")).toBeTruthy();
  });

  it("is not there without menu.knowledge", () => {
    fakeGraphqlServer({});
    renderInShell(<DeskKnowledgePanel />, ["menu.desk"]);
    expect(screen.queryByTestId("desk-knowledge")).toBeNull();
  });

  it("searches on Enter, opens a hit and puts its summary into the reply", async () => {
    const received: string[] = [];
    const server = fakeGraphqlServer({
      SearchKnowledge: { data: { searchKnowledge: { total: 1, hits: [HIT] } } },
      KnowledgeArticle: { data: { knowledgeArticle: REFUND } },
    });
    renderInShell(
      <>
        <ReplyBox received={received} />
        <DeskKnowledgePanel />
      </>,
      [...AGENT, "menu.desk"],
    );
    const input = screen.getByTestId("desk-knowledge-search");
    fireEvent.change(input, { target: { value: "退款" } });
    expect(server.requests).toHaveLength(0);
    fireEvent.keyDown(input, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    const hit = await screen.findByTestId("desk-knowledge-hit");
    expect(hit.querySelector("mark")!.textContent).toBe("退款");
    expect(server.requests[0]!.variables).toMatchObject({ query: "退款", first: 5, includeDrafts: false });
    fireEvent.click(within(hit).getByRole("button"));
    fireEvent.click(await screen.findByTestId("desk-knowledge-insert"));
    await waitFor(() => expect(received).toEqual([REFUND.summary]));
  });
});
