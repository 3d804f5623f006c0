import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Answer, fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
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
  timeZone: "Asia/Shanghai",
  updatedAt: "2025-03-01T09:00:00Z",
};

const PAGE = { tenantSettings: SETTINGS, tenantUsage: { seats: 3, minutes: 0, messages: 0 }, tenant: { id: "t1", slug: "demo", name: "Acme" } };

/** Picks an option of an antd Select by its text, typing `search` first (the list is virtual:
 * only its first options are rendered). */
async function choose(label: string, option: string, search?: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  if (search) fireEvent.change(screen.getByLabelText(label), { target: { value: search } });
  const options = await screen.findAllByText(option, { selector: ".ant-select-item-option-content" });
  fireEvent.click(options[options.length - 1]!);
}

/** Serves the page with `page`'s settings and answers every save with `answer`; returns the
 * inputs saved, in order. */
function serveSettings(answer: Answer, page: unknown = PAGE): Record<string, unknown>[] {
  const updates: Record<string, unknown>[] = [];
  fakeGraphqlServer({
    SettingsPage: { data: page },
    MailOutbox: { data: { mailOutbox: { items: [], total: 0 } } },
    UpdateTenantSettings: (variables) => {
      updates.push(variables.input as Record<string, unknown>);
      return answer;
    },
  });
  return updates;
}

const SAVED = { data: { updateTenantSettings: { aggregateId: "t1", duplicate: false } } };

describe("the tenant settings page", () => {
  it("sends the support address with the other settings, and puts its refusal under it", async () => {
    const updates = serveSettings(graphqlError("tenant.invalid_support_email", "bad address"));
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
    expect(updates[0]).toMatchObject({ organisationName: "Acme", supportEmail: "support@acme.example", timeZone: "Asia/Shanghai" });
  });

  it("shows the tenant's time zone with its offset, and sends the one picked", async () => {
    const updates = serveSettings(SAVED);
    renderInShell(<SettingsPage />, ["tenant.settings.edit"]);
    const zone = await screen.findByTestId("settings-time-zone");
    await waitFor(() => expect(zone.textContent).toBe("Asia/Shanghai (UTC+08:00)"));
    expect(screen.getByText("Mails and exports write times in this zone.")).toBeTruthy();

    await choose("Time zone", "UTC");
    await waitFor(() => expect(zone.textContent).toBe("UTC"));
    fireEvent.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(updates).toHaveLength(1));
    expect(updates[0]).toMatchObject({ organisationName: "Acme", timeZone: "" });

    await choose("Time zone", "Asia/Tokyo (UTC+09:00)", "tokyo");
    await waitFor(() => expect(zone.textContent).toBe("Asia/Tokyo (UTC+09:00)"));
    fireEvent.click(screen.getByTestId("settings-save"));
    await waitFor(() => expect(updates).toHaveLength(2));
    expect(updates[1]).toMatchObject({ timeZone: "Asia/Tokyo" });
  });

  it("puts the server's refusal of a time zone under the field", async () => {
    serveSettings(graphqlError("tenant.invalid_time_zone", "unknown zone"), { ...PAGE, tenantSettings: { ...SETTINGS, timeZone: "" } });
    renderInShell(<SettingsPage />, ["tenant.settings.edit"]);
    const zone = await screen.findByTestId("settings-time-zone");
    await waitFor(() => expect(zone.textContent).toBe("UTC"));
    await choose("Time zone", "Asia/Singapore (UTC+08:00)", "singapore");
    fireEvent.click(screen.getByTestId("settings-save"));
    expect(await screen.findByText("This is not a known time zone.")).toBeTruthy();
  });
});
