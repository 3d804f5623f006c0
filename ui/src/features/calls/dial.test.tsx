import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { CustomerDrawer } from "../customers/CustomerDrawer";
import { customer, FIELDS } from "../customers/testing/fixtures";
import { renderInShell } from "../customers/testing/shell";
import { onDialRequest, requestDial } from "./dial";

afterEach(() => vi.unstubAllGlobals());

describe("dialling from a page", () => {
  it("hands the number to the bar listening, and says when none is", () => {
    expect(requestDial("10086")).toBe(false);
    const asked: string[] = [];
    const stop = onDialRequest((number) => asked.push(number));
    expect(requestDial(" 10086 ")).toBe(true);
    expect(requestDial("  ")).toBe(false);
    stop();
    expect(requestDial("10010")).toBe(false);
    expect(asked).toEqual(["10086"]);
  });

  it("calls a customer's phone from their profile, for holders of softphone only", async () => {
    localStorage.setItem("hotline.locale", JSON.stringify("en"));
    const ann = customer("c-1", { name: "Ann Lee", phone: "13800138000", member_no: "M-1" });
    fakeGraphqlServer({ Customer: { data: { customer: ann, customerContacts: [] } } });
    const asked: string[] = [];
    const stop = onDialRequest((number) => asked.push(number));
    try {
      const { unmount } = renderInShell(<CustomerDrawer customerId="c-1" fields={FIELDS} onClose={() => {}} />, ["menu.customers", "softphone"]);
      const profile = await screen.findByTestId("customer-profile");
      fireEvent.click(within(profile).getByTestId("customer-call-phone"));
      expect(asked).toEqual(["13800138000"]);
      // Only phone values have the button.
      expect(within(profile).getAllByRole("button")).toHaveLength(1);
      unmount();

      renderInShell(<CustomerDrawer customerId="c-1" fields={FIELDS} onClose={() => {}} />, ["menu.customers"]);
      const plain = await screen.findByTestId("customer-profile");
      expect(within(plain).getByText("13800138000")).toBeTruthy();
      expect(within(plain).queryByTestId("customer-call-phone")).toBeNull();
    } finally {
      stop();
    }
  });
});
