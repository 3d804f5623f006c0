import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { MailOutboxCard } from "./MailOutboxCard";
import type { MailStatus, OutboxMail } from "./settings.graphql";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

function mail(id: string, status: MailStatus, extra: Partial<OutboxMail> = {}): OutboxMail {
  return {
    id,
    toName: `Person ${id}`,
    toAddress: `${id}@example.com`,
    subject: `Reminder for ticket ${id}`,
    status,
    attempts: status === "DEAD" ? 7 : 1,
    nextAttemptAt: status === "QUEUED" ? "2025-03-01T10:00:00Z" : null,
    lastError: status === "SENT" ? null : "550 mailbox unavailable",
    createdAt: "2025-03-01T09:00:00Z",
    sentAt: status === "SENT" ? "2025-03-01T09:00:05Z" : null,
    ...extra,
  };
}

const ALL = [mail("m1", "QUEUED"), mail("m2", "SENT"), mail("m3", "DEAD")];

function outboxServer(retry?: (variables: Record<string, unknown>) => ReturnType<typeof graphqlError>) {
  const retried: unknown[] = [];
  const server = fakeGraphqlServer({
    MailOutbox: (variables) => {
      const items = variables.status ? ALL.filter((row) => row.status === variables.status) : ALL;
      return { data: { mailOutbox: { items, total: items.length } } };
    },
    RetryMail: (variables) => {
      retried.push(variables.id);
      return retry ? retry(variables) : { data: { retryMail: mail(String(variables.id), "QUEUED", { attempts: 0 }) } };
    },
  });
  const outboxRequests = () => server.requests.filter((request) => request.operation === "MailOutbox");
  return { ...server, retried, outboxRequests };
}

describe("the outgoing mail card", () => {
  it("lists the outbox, newest first as the server sends it, with a tag per status and no body", async () => {
    const { outboxRequests } = outboxServer();
    renderInShell(<MailOutboxCard />, []);
    const card = await screen.findByTestId("mail-outbox");
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(3));
    const rows = screen.getAllByTestId("mail-outbox-row");
    expect(rows.map((row) => row.getAttribute("data-status"))).toEqual(["QUEUED", "SENT", "DEAD"]);
    expect(within(rows[0]!).getByText("Queued")).toBeTruthy();
    expect(within(rows[1]!).getByText("Sent")).toBeTruthy();
    expect(within(rows[2]!).getByText("Gave up")).toBeTruthy();
    expect(within(rows[0]!).getByText("Person m1")).toBeTruthy();
    expect(within(rows[0]!).getByText("m1@example.com")).toBeTruthy();
    expect(within(rows[0]!).getByText("Reminder for ticket m1")).toBeTruthy();
    expect(within(rows[2]!).getAllByText("550 mailbox unavailable").length).toBeGreaterThan(0);
    expect(within(card).getByText(/HOTLINE_SMTP_RELAY/)).toBeTruthy();
    expect(within(card).getByText(/up to 7 attempts/)).toBeTruthy();
    expect(outboxRequests()[0]!.variables).toEqual({ offset: 0, limit: 20 });

    fireEvent.click(screen.getByTestId("mail-outbox-reload"));
    await waitFor(() => expect(outboxRequests()).toHaveLength(2));
  });

  it("asks the server for the chosen status only, and for all again", async () => {
    const { outboxRequests } = outboxServer();
    renderInShell(<MailOutboxCard />, []);
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(3));
    const filter = screen.getByTestId("mail-outbox-status");

    fireEvent.click(within(filter).getByText("Gave up"));
    await waitFor(() => expect(outboxRequests().at(-1)!.variables).toEqual({ status: "DEAD", offset: 0, limit: 20 }));
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(1));
    expect(screen.getByTestId("mail-outbox-row").getAttribute("data-status")).toBe("DEAD");

    fireEvent.click(within(filter).getByText("Sent"));
    await waitFor(() => expect(outboxRequests().at(-1)!.variables).toEqual({ status: "SENT", offset: 0, limit: 20 }));

    fireEvent.click(within(filter).getByText("All"));
    await waitFor(() => expect(outboxRequests().at(-1)!.variables).toEqual({ offset: 0, limit: 20 }));
  });

  it("sends a given-up mail again, only from its row and only with the right to edit the settings", async () => {
    const { retried, outboxRequests } = outboxServer();
    renderInShell(<MailOutboxCard />, ["tenant.settings.edit"]);
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(3));
    const rows = screen.getAllByTestId("mail-outbox-row");
    expect(within(rows[0]!).queryByTestId("mail-outbox-retry")).toBeNull();
    expect(within(rows[1]!).queryByTestId("mail-outbox-retry")).toBeNull();
    expect(screen.getAllByTestId("mail-outbox-retry")).toHaveLength(1);

    const before = outboxRequests().length;
    fireEvent.click(within(rows[2]!).getByTestId("mail-outbox-retry"));
    await waitFor(() => expect(retried).toEqual(["m3"]));
    expect(await screen.findByText("The mail to m3@example.com is queued again")).toBeTruthy();
    await waitFor(() => expect(outboxRequests().length).toBe(before + 1));
  });

  it("offers no way to send again without the right to edit the settings", async () => {
    const { retried } = outboxServer();
    renderInShell(<MailOutboxCard />, ["menu.admin.settings"]);
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(3));
    expect(screen.queryByTestId("mail-outbox-retry")).toBeNull();
    expect(retried).toEqual([]);
  });

  it("says why the server refused to send again", async () => {
    outboxServer(() => graphqlError("mail.not_dead", "not dead"));
    renderInShell(<MailOutboxCard />, ["tenant.settings.edit"]);
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-retry")).toHaveLength(1));
    fireEvent.click(screen.getByTestId("mail-outbox-retry"));
    expect(await screen.findByText(/Only a mail that gave up can be sent again/)).toBeTruthy();
  });

  it("pages on the server, by offset and limit", async () => {
    const requests: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      MailOutbox: (variables) => {
        requests.push(variables);
        const offset = Number(variables.offset);
        const items = Array.from({ length: 20 }, (_, index) => mail(`p${offset + index}`, "SENT"));
        return { data: { mailOutbox: { items, total: 45 } } };
      },
    });
    renderInShell(<MailOutboxCard />, []);
    await waitFor(() => expect(screen.getAllByTestId("mail-outbox-row")).toHaveLength(20));
    expect(screen.getByText("45 mails")).toBeTruthy();
    fireEvent.click(screen.getByTitle("2"));
    await waitFor(() => expect(requests.at(-1)).toEqual({ offset: 20, limit: 20 }));
  });
});
