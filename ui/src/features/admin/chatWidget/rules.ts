/** What the widget form checks before the server does. */
import { isSettingsUrl } from "../settings/rules";
import type { ChatWidgetValues, UpdateChatWidgetVariables } from "./chatWidget.graphql";

export const WIDGET_NAME_MAX = 120;
export const WIDGET_TEXT_MAX = 1000;
export const FAQ_MAX_ENTRIES = 20;

/** `#rrggbb`, as the widget paints with it. */
export function isHexColor(color: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(color);
}

export function isLogoUrl(url: string | null | undefined): boolean {
  return !url || isSettingsUrl(url);
}

/** The form as `ChatWidgetInput`: an empty logo is none; FAQ entries trimmed, empty ones dropped. */
export function widgetInput(values: ChatWidgetValues & { queueId: string }): UpdateChatWidgetVariables["input"] {
  return {
    queueId: values.queueId,
    organisationName: values.organisationName.trim(),
    primaryColor: values.primaryColor.toLowerCase(),
    logoUrl: values.logoUrl?.trim() || null,
    intro: values.intro ?? "",
    welcome: values.welcome ?? "",
    faq: (values.faq ?? [])
      .map((entry) => ({ question: (entry.question ?? "").trim(), answer: (entry.answer ?? "").trim() }))
      .filter((entry) => entry.question !== "" || entry.answer !== ""),
    offlineMessages: values.offlineMessages,
    offlinePrompt: values.offlinePrompt ?? "",
    defaultLanguage: values.defaultLanguage,
  };
}
