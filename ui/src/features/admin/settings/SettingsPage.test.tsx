import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { SettingsPage } from "./SettingsPage";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const SETTINGS = {
  organisationName: "Acme",
  logoUrl: "",
  copyright: "",
  hotlineNumber: "",
  websiteUrl: "",
  supportEmail: "help@acme.example",
  updatedAt: "2025-03-01T09:00:00Z",
};

describe("the tenant settings page", () => {
  it("sends the support address with the other settings, and puts its refusal under it", async () => {
    const updates: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      SettingsPage: { data: { tenantSettings: SETTINGS, tenantUsage: { seats: 3, minutes: 0, messages: 0 }, tenant: { id: "t1", slug: "demo", name: "Acme" } } },
      MailOutbox: { data: { mailOutbox: { items: [], total: 0 } } },
      UpdateTenantSettings: (variables) => {
        updates.push(variables.input as Record<string, unknown>);
        return graphqlError("tenant.invalid_support_email", "bad address");
      },
    });
    renderInShell(<SettingsPage />, ["tenant.settings.edit"]);
    const address = (await screen.findByTestId("settings-support-email")) as HTMLInputElement;
    await waitFor(() => expect(address.value).toBe("help@acme.example"));
    expect(screen.getByText(/mail replies to it join their ticket/)).toBeTruthy();

    fireEvent.change(address, { target: { value: "help@" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    expect(await screen.findByText("An address like name@example.com")).toBeTruthy();
    expect(updates).toHaveLength(0);

    fireEvent.change(address, { target: { value: "support@acme.example" } });
    fireEvent.click(screen.getByTestId("settings-save"));
    expect(await screen.findByText("A support e-mail address is empty or looks like support@example.com.")).toBeTruthy();
    expect(updates[0]).toMatchObject({ organisationName: "Acme", supportEmail: "support@acme.example" });
  });
});
