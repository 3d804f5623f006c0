import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../../i18n";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import type { AcdPageData } from "./acd.graphql";
import { AcdPage } from "./AcdPage";

const page: AcdPageData = {
  acdQueues: [
    {
      id: "q1",
      name: "Sales",
      strategy: "SKILL_LEVEL",
      requiredSkill: "billing",
      minimumSkillLevel: 3,
      customerPriority: true,
      stickyAgentSeconds: 300,
      overflowAfterSeconds: 120,
      overflowQueueId: "q2",
      offerTimeoutSeconds: 20,
    },
    {
      id: "q2",
      name: "Support",
      strategy: "LONGEST_IDLE",
      requiredSkill: null,
      minimumSkillLevel: null,
      customerPriority: false,
      stickyAgentSeconds: null,
      overflowAfterSeconds: null,
      overflowQueueId: null,
      offerTimeoutSeconds: 30,
    },
  ],
  acdAgents: [
    {
      agentId: "a1",
      name: "Ann Lee",
      username: "ann",
      registered: true,
      presence: { state: "AVAILABLE", reason: null, since: null },
      capacity: [{ channel: "CHAT", capacity: 3, load: 1 }],
      skills: [{ skill: "billing", level: 7 }],
      queueIds: ["q1"],
    },
  ],
};

function renderPage() {
  return render(
    <I18nProvider>
      <ConfigProvider>
        <AntApp>
          <AcdPage />
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
}

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

describe("the routing page", () => {
  it("lists queues and agents, and saves a queue with defineAcdQueue, a refusal under its field", async () => {
    const inputs: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      AcdPage: { data: page },
      DefineAcdQueue: (variables) => {
        inputs.push(variables);
        return inputs.length === 1 ? graphqlError("acd.invalid_queue_name") : { data: { defineAcdQueue: { id: "q2", name: "Help desk" } } };
      },
    });
    renderPage();
    const sales = (await screen.findAllByTestId("acd-queue-row")).find((row) => row.getAttribute("data-queue-id") === "q1")!;
    expect(within(sales).getByText("after 120 s to Support")).toBeTruthy();
    expect(within(sales).getByText("billing ≥ 3")).toBeTruthy();
    const agent = screen.getByTestId("acd-agent-row");
    expect(within(agent).getByText("billing · 7")).toBeTruthy();
    expect(within(agent).getByText("Web chat 3")).toBeTruthy();

    const support = screen.getAllByTestId("acd-queue-row").find((row) => row.getAttribute("data-queue-id") === "q2")!;
    fireEvent.click(within(support).getByTestId("acd-edit-queue"));
    const dialog = await screen.findByRole("dialog");
    const name = within(dialog).getByTestId("acd-queue-name") as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Support"));
    fireEvent.change(name, { target: { value: "Help desk" } });
    fireEvent.click(within(dialog).getByTestId("acd-queue-save"));
    expect(await within(dialog).findByText("A queue name is 1 to 120 characters, without leading or trailing spaces.")).toBeTruthy();
    fireEvent.click(within(dialog).getByTestId("acd-queue-save"));
    expect(await screen.findByText("Queue Help desk saved")).toBeTruthy();
    expect(inputs[0]).toMatchObject({
      input: { id: "q2", name: "Help desk", strategy: "LONGEST_IDLE", offerTimeoutSeconds: 30, overflowQueueId: null, requiredSkill: null },
    });
    // An unchanged retry is the same command.
    expect(inputs[1]!.commandId).toBe(inputs[0]!.commandId);
  });
});
