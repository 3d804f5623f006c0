import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { customer, FIELDS } from "../customers/testing/fixtures";
import { useOpenCustomerRequests } from "../customers/openCustomer";
import { renderInShell } from "../customers/testing/shell";
import type { ConversationSummary } from "./desk.graphql";
import { ScreenPop } from "./ScreenPop";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const SUMMARY: ConversationSummary = {
  id: "conv-1",
  channel: "CHAT",
  status: "ASSIGNED",
  queue: { id: "q1", name: "Sales" },
  agentId: "a1",
  agentName: "Ann Lee",
  visitor: { visitorId: "v1", name: "Vera Visitor", email: "vera@example.com", phone: "13800138000", language: "en" },
  startedAt: "2025-03-01T10:00:00Z",
  closedAt: null,
  disposition: null,
  ratingScore: null,
  lastMessageText: "Hello",
  messageCount: 1,
};

/** Stands for the Customers page: takes the screen pop's "open this customer". */
function CustomersPageStandIn({ opened }: { opened: string[] }) {
  useOpenCustomerRequests((id) => opened.push(id));
  return null;
}

describe("the screen pop's customer", () => {
  it("shows the matched profile's enabled fields and opens it on the Customers page", async () => {
    const server = fakeGraphqlServer({
      CustomerHistory: { data: { customerHistory: [] } },
      CustomerFields: { data: { customerFields: FIELDS } },
      CustomerForConversation: {
        data: { customerForConversation: customer("c-1", { name: "Vera Visitor", phone: "13800138000", member_no: "M-9", gender: "female", old_code: "X1" }) },
      },
    });
    const tabs: string[] = [];
    const opened: string[] = [];
    renderInShell(
      <>
        <ScreenPop summary={SUMMARY} dispositions={[]} />
        <CustomersPageStandIn opened={opened} />
      </>,
      ["menu.desk", "menu.customers", "customer.edit"],
      (path) => tabs.push(path),
    );
    const section = await screen.findByTestId("screen-pop-customer");
    await waitFor(() => expect(section.getAttribute("data-customer-id")).toBe("c-1"));
    await within(section).findByText("M-9");
    expect(within(section).getByText("Member number")).toBeTruthy();
    expect(within(section).getByText("Female")).toBeTruthy();
    expect(within(section).queryByText("X1")).toBeNull();
    expect(within(section).queryByTestId("screen-pop-create-customer")).toBeNull();
    expect(server.requests.find((request) => request.operation === "CustomerForConversation")!.variables).toEqual({ conversationId: "conv-1" });

    fireEvent.click(within(section).getByTestId("screen-pop-open-customer"));
    expect(tabs).toEqual(["/customers"]);
    expect(opened).toEqual(["c-1"]);
  });

  it("offers to create a customer with the visitor's name and phone when none matches", async () => {
    const created: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      CustomerHistory: { data: { customerHistory: [] } },
      CustomerFields: { data: { customerFields: FIELDS } },
      CustomerForConversation: { data: { customerForConversation: null } },
      CustomerDuplicates: { data: { customerDuplicates: [] } },
      CreateCustomer: (variables) => {
        created.push(variables);
        return { data: { createCustomer: customer("c-5", { name: "Vera Visitor", phone: "13800138000", member_no: "M-5" }) } };
      },
    });
    renderInShell(<ScreenPop summary={SUMMARY} dispositions={[]} />, ["menu.desk", "menu.customers", "customer.edit"]);
    const section = await screen.findByTestId("screen-pop-customer");
    fireEvent.click(await within(section).findByTestId("screen-pop-create-customer"));

    const form = await screen.findByTestId("customer-form");
    await waitFor(() => expect((within(form).getByTestId("customer-field-name") as HTMLInputElement).value).toBe("Vera Visitor"));
    expect((within(form).getByTestId("customer-field-phone") as HTMLInputElement).value).toBe("13800138000");
    fireEvent.change(within(form).getByTestId("customer-field-member_no"), { target: { value: "M-5" } });
    fireEvent.click(screen.getByTestId("customer-save"));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(created[0]!.values).toEqual([
      { key: "name", value: "Vera Visitor" },
      { key: "phone", value: "13800138000" },
      { key: "member_no", value: "M-5" },
    ]);
    // The new profile shows at once.
    await waitFor(() => expect(section.getAttribute("data-customer-id")).toBe("c-5"));
  });

  it("offers no creation without customer.edit", async () => {
    fakeGraphqlServer({
      CustomerHistory: { data: { customerHistory: [] } },
      CustomerFields: { data: { customerFields: FIELDS } },
      CustomerForConversation: { data: { customerForConversation: null } },
    });
    renderInShell(<ScreenPop summary={SUMMARY} dispositions={[]} />, ["menu.desk"]);
    const section = await screen.findByTestId("screen-pop-customer");
    await within(section).findByText("No customer profile matches this visitor's phone or email.");
    expect(within(section).queryByTestId("screen-pop-create-customer")).toBeNull();
  });
});
