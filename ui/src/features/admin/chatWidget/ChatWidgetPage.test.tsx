import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { I18nProvider } from "../../../i18n";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import type { ChatWidgetSettings } from "./chatWidget.graphql";
import { ChatWidgetPage } from "./ChatWidgetPage";

const SNIPPET = '<script src="https://hotline.example/widget/hotline-chat.js" data-tenant="demo" async></script>';

const settings: ChatWidgetSettings = {
  queueId: "q1",
  organisationName: "Demo Contact Centre",
  primaryColor: "#1677ff",
  logoUrl: null,
  intro: "We answer within a minute.",
  welcome: "Hello! How can we help?",
  faq: [{ question: "Opening hours?", answer: "9:00 to 18:00." }],
  offlineMessages: true,
  offlinePrompt: "Leave a message and we will reply.",
  defaultLanguage: "en",
  snippet: SNIPPET,
};

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

describe("the chat widget page", () => {
  it("shows the snippet and the H5 link, and saves the settings", async () => {
    const saves: Record<string, unknown>[] = [];
    fakeGraphqlServer({
      ChatWidgetPage: { data: { chatWidget: settings, acdQueues: [{ id: "q1", name: "Sales" }], tenant: { id: "t1", slug: "demo", name: "Demo" } } },
      UpdateChatWidget: (variables) => {
        saves.push(variables);
        return { data: { updateChatWidget: { ...settings, organisationName: "Demo CC" } } };
      },
    });
    render(
      <I18nProvider>
        <ConfigProvider>
          <AntApp>
            <ChatWidgetPage />
          </AntApp>
        </ConfigProvider>
      </I18nProvider>,
    );
    expect((await screen.findByTestId("chat-widget-snippet")).textContent).toBe(SNIPPET);
    expect(screen.getByTestId("chat-widget-h5").getAttribute("href")).toBe(`${window.location.origin}/chat/h5?tenant=demo`);
    const name = screen.getByTestId("chat-widget-name") as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Demo Contact Centre"));
    expect(screen.getAllByTestId("chat-widget-faq")).toHaveLength(1);
    fireEvent.change(name, { target: { value: "Demo CC" } });
    fireEvent.click(screen.getByTestId("chat-widget-save"));
    expect(await screen.findByText("Chat widget saved")).toBeTruthy();
    expect(saves[0]).toMatchObject({
      input: {
        queueId: "q1",
        organisationName: "Demo CC",
        primaryColor: "#1677ff",
        logoUrl: null,
        faq: [{ question: "Opening hours?", answer: "9:00 to 18:00." }],
        offlineMessages: true,
        defaultLanguage: "en",
      },
    });
    expect(typeof saves[0]!.commandId).toBe("string");
  });
});
