import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../../app/App";
import "../../../features";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { type Answers, type MenuEntry, menuFor, shellAnswers, signedInAt } from "../../../test/shell";
import type { WebhookDelivery, WebhookEndpoint } from "./webhooks.graphql";

const ADMIN_MENU: MenuEntry = {
  key: "menu.admin",
  titleKey: "menu.admin",
  path: "/admin",
  icon: "setting",
  children: [
    { key: "menu.admin.settings", titleKey: "menu.admin.settings", path: "/admin/settings", icon: "control", children: [] },
    { key: "menu.admin.webhooks", titleKey: "menu.admin.webhooks", path: "/admin/webhooks", icon: "api", children: [] },
  ],
};


const endpoint = (id: string, overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  id,
  url: `https://${id}.example.com/hooks`,
  eventTypes: [],
  description: "",
  enabled: true,
  disabledReason: null,
  createdAt: "2026-11-01T10:00:00Z",
  updatedAt: "2026-11-01T10:00:00Z",
  ...overrides,
});

const delivery = (id: string, position: number, status: WebhookDelivery["status"], overrides: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  id,
  endpointId: "crm",
  eventId: `event-${id}`,
  eventType: "hotline.user.created",
  position,
  status,
  attempts: status === "DEAD" ? 7 : 1,
  nextAttemptAt: status === "PENDING" ? "2026-11-01T10:05:00Z" : null,
  lastResponseStatus: status === "DEAD" ? 500 : status === "DELIVERED" ? 200 : null,
  lastError: status === "DEAD" ? "connection reset" : null,
  createdAt: "2026-11-01T10:00:00Z",
  updatedAt: "2026-11-01T10:00:00Z",
  deliveredAt: status === "DELIVERED" ? "2026-11-01T10:00:01Z" : null,
  ...overrides,
});

const ENDPOINTS = [
  endpoint("crm", { eventTypes: ["hotline.user.*", "hotline.conversation.closed"], description: "CRM sync" }),
  endpoint("bi", { enabled: false, disabledReason: "gone" }),
];

function answers(permissions: string[], extra: Answers = {}): Answers {
  return {
    ...shellAnswers(permissions, [menuFor(ADMIN_MENU, permissions)]),
    WebhookEndpoints: { data: { webhookEndpoints: ENDPOINTS } },
    ...extra,
  };
}

const PERMISSIONS = ["menu.admin", "menu.admin.settings", "menu.admin.webhooks", "integration.webhooks"];

const row = async (id: string) =>
  // The first render loads the page's chunk and antd's table: slow on a busy machine.
  (await screen.findAllByTestId("webhook-row", {}, { timeout: 15_000 })).find((candidate) => candidate.getAttribute("data-endpoint-id") === id)!;

signedInAt("/admin/webhooks");


describe("the webhooks page", () => {
  it("is a menu entry for holders of integration.webhooks and lists the endpoints", async () => {
    fakeGraphqlServer(answers(PERMISSIONS));
    render(<App />);
    const crm = await row("crm");
    expect(within(crm).getByText("https://crm.example.com/hooks")).toBeTruthy();
    expect(within(crm).getByText("CRM sync")).toBeTruthy();
    expect(within(crm).getByText("hotline.user.*")).toBeTruthy();
    const bi = await row("bi");
    expect(within(bi).getByText("All events")).toBeTruthy();
    expect(within(bi).getByText("Disabled: the receiver answered 410 Gone")).toBeTruthy();
    expect(within(bi).getByTestId("webhook-enabled").getAttribute("aria-checked")).toBe("false");
    expect(screen.getAllByText("Webhooks").length).toBeGreaterThan(0);
  });

  it("has no menu entry without integration.webhooks", async () => {
    window.history.replaceState(null, "", "/workbench");
    const { requests } = fakeGraphqlServer(answers(["menu.admin", "menu.admin.settings"]));
    render(<App />);
    fireEvent.click(await screen.findByText("Administration"));
    expect(await screen.findByText("Tenant settings")).toBeTruthy();
    expect(screen.queryByText("Webhooks")).toBeNull();
    expect(requests.some((request) => request.operation === "WebhookEndpoints")).toBe(false);
  });

  it("checks the form, registers an endpoint and shows its secret once with a warning", async () => {
    const registered: unknown[] = [];
    const { requests } = fakeGraphqlServer(
      answers(PERMISSIONS, {
        RegisterWebhook: (variables) => {
          registered.push(variables.input);
          return { data: { registerWebhook: { endpoint: endpoint("new", variables.input as Partial<WebhookEndpoint>), secret: "whsec_c2VjcmV0" } } };
        },
      }),
    );
    render(<App />);
    fireEvent.click(await screen.findByTestId("webhook-register"));
    fireEvent.change(screen.getByTestId("webhook-url"), { target: { value: "ftp://crm.example.com" } });
    const types = screen.getByLabelText("Event types");
    fireEvent.change(types, { target: { value: "user.created" } });
    fireEvent.keyDown(types, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    fireEvent.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByText(/An absolute http:\/\/ or https:\/\/ address with a host/)).toBeTruthy();
    expect(await screen.findByText("user.created is not an event type: use hotline.<context>.<event> or hotline.<context>.*")).toBeTruthy();
    expect(registered).toEqual([]);

    fireEvent.change(screen.getByTestId("webhook-url"), { target: { value: " https://crm.example.com/new " } });
    fireEvent.click(screen.getByLabelText("Event types").closest(".ant-select")!.querySelector(".ant-select-selection-item-remove, .ant-tag-close-icon, [aria-label='close']")!);
    fireEvent.change(types, { target: { value: "hotline.user.*" } });
    fireEvent.keyDown(types, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    fireEvent.change(screen.getByTestId("webhook-description"), { target: { value: "CRM" } });
    fireEvent.click(screen.getByTestId("webhook-save"));
    await waitFor(() => expect(registered).toEqual([{ url: "https://crm.example.com/new", eventTypes: ["hotline.user.*"], description: "CRM" }]));

    expect(await screen.findByText("Copy this secret now: it is shown only this once.")).toBeTruthy();
    expect(screen.getByTestId("webhook-secret").textContent).toContain("whsec_c2VjcmV0");
    fireEvent.click(screen.getByTestId("webhook-secret-done"));
    await waitFor(() => expect(screen.queryByText("whsec_c2VjcmV0")).toBeNull());
    // The list is read again after the save.
    expect(requests.filter((request) => request.operation === "WebhookEndpoints").length).toBeGreaterThanOrEqual(2);
  });

  it("puts the server's refusal under the field, in the user's language", async () => {
    fakeGraphqlServer(answers(PERMISSIONS, { UpdateWebhook: graphqlError("webhook.unknown_event_type", "no such type") }));
    render(<App />);
    fireEvent.click(within(await row("crm")).getByTestId("webhook-edit"));
    expect(((await screen.findByTestId("webhook-url")) as HTMLInputElement).value).toBe("https://crm.example.com/hooks");
    fireEvent.click(screen.getByTestId("webhook-save"));
    expect(await screen.findByText("One of the event types matches no event Hotline publishes.")).toBeTruthy();
  });

  it("disables, rotates the secret and deletes only after a confirmation", async () => {
    const calls: [string, unknown][] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        SetWebhookEnabled: (variables) => {
          calls.push(["enabled", variables]);
          return { data: { setWebhookEnabled: endpoint("crm", { enabled: false, disabledReason: "administrator" }) } };
        },
        RotateWebhookSecret: (variables) => {
          calls.push(["rotate", variables]);
          return { data: { rotateWebhookSecret: { endpoint: ENDPOINTS[0], secret: "whsec_bmV3" } } };
        },
        DeleteWebhook: (variables) => {
          calls.push(["delete", variables]);
          return { data: { deleteWebhook: variables.id } };
        },
      }),
    );
    render(<App />);
    fireEvent.click(within(await row("crm")).getByTestId("webhook-enabled"));
    await waitFor(() => expect(calls).toEqual([["enabled", { id: "crm", enabled: false }]]));

    fireEvent.click(within(await row("crm")).getByTestId("webhook-rotate"));
    expect(await screen.findByText(/The current secret stops working at once/)).toBeTruthy();
    expect(calls).toHaveLength(1);
    fireEvent.click(screen.getByTestId("webhook-rotate-confirm"));
    await waitFor(() => expect(calls[1]).toEqual(["rotate", { id: "crm" }]));
    expect((await screen.findByTestId("webhook-secret")).textContent).toContain("whsec_bmV3");
    fireEvent.click(screen.getByTestId("webhook-secret-done"));

    fireEvent.click(within(await row("bi")).getByTestId("webhook-delete"));
    expect(await screen.findByText(/https:\/\/bi.example.com\/hooks receives no more events/)).toBeTruthy();
    expect(calls).toHaveLength(2);
    fireEvent.click(screen.getByTestId("webhook-delete-confirm"));
    await waitFor(() => expect(calls[2]).toEqual(["delete", { id: "bi" }]));
  });

  it("shows an endpoint's deliveries, filters them by status and redelivers a dead letter", async () => {
    const redelivered: unknown[] = [];
    const { requests } = fakeGraphqlServer(
      answers(PERMISSIONS, {
        WebhookDeliveries: (variables) =>
          variables.status === "DEAD"
            ? { data: { webhookDeliveries: { nodes: [delivery("d3", 3, "DEAD")], endCursor: "1", hasNextPage: false } } }
            : {
                data: {
                  webhookDeliveries: {
                    nodes: [delivery("d3", 3, "DEAD"), delivery("d2", 2, "PENDING"), delivery("d1", 1, "DELIVERED")],
                    endCursor: "3",
                    hasNextPage: false,
                  },
                },
              },
        RedeliverWebhook: (variables) => {
          redelivered.push(variables.deliveryId);
          return redelivered.length === 1
            ? { data: { redeliverWebhook: delivery("d3", 3, "PENDING", { attempts: 0 }) } }
            : graphqlError("webhook.endpoint_disabled");
        },
      }),
    );
    render(<App />);
    fireEvent.click(within(await row("crm")).getByTestId("webhook-deliveries"));
    await waitFor(() => expect(screen.getAllByTestId("webhook-delivery-row")).toHaveLength(3));
    expect(requests.find((request) => request.operation === "WebhookDeliveries")!.variables).toEqual({ endpointId: "crm", first: 50 });
    const rows = screen.getAllByTestId("webhook-delivery-row");
    expect(within(rows[0]!).getByText("HTTP 500")).toBeTruthy();
    expect(within(rows[0]!).getByText("Dead")).toBeTruthy();
    expect(within(rows[1]!).getByText(/^Next try /)).toBeTruthy();
    // A pending delivery is on its way: nothing to redeliver.
    expect(within(rows[1]!).queryByTestId("webhook-redeliver")).toBeNull();

    fireEvent.click(screen.getByText("Dead letters"));
    await waitFor(() => expect(screen.getAllByTestId("webhook-delivery-row")).toHaveLength(1));
    expect(requests.filter((request) => request.operation === "WebhookDeliveries").at(-1)!.variables).toEqual({
      endpointId: "crm",
      first: 50,
      status: "DEAD",
    });
    fireEvent.click(screen.getByTestId("webhook-redeliver"));
    await waitFor(() => expect(redelivered).toEqual(["d3"]));
    await waitFor(() => expect(screen.queryAllByTestId("webhook-delivery-row")).toHaveLength(0));

    fireEvent.click(screen.getByText("All"));
    await waitFor(() => expect(screen.getAllByTestId("webhook-delivery-row")).toHaveLength(3));
    fireEvent.click(within(screen.getAllByTestId("webhook-delivery-row")[2]!).getByTestId("webhook-redeliver"));
    expect(await screen.findByText("The webhook is disabled: enable it before redelivering.")).toBeTruthy();
  });
});
