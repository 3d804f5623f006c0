/** The web chat widget's settings (`chatWidget`, `updateChatWidget`) and the queues it may use. */

export interface FaqEntry {
  question: string;
  answer: string;
}

export interface ChatWidgetValues {
  queueId: string | null;
  organisationName: string;
  primaryColor: string;
  logoUrl: string | null;
  intro: string;
  welcome: string;
  faq: FaqEntry[];
  offlineMessages: boolean;
  offlinePrompt: string;
  defaultLanguage: string;
}

export interface ChatWidgetSettings extends ChatWidgetValues {
  snippet: string;
}

export const CHAT_WIDGET_PAGE_QUERY = /* GraphQL */ `
  query ChatWidgetPage {
    chatWidget {
      queueId organisationName primaryColor logoUrl intro welcome
      faq { question answer }
      offlineMessages offlinePrompt defaultLanguage snippet
    }
    acdQueues { id name }
    tenant { id slug name }
  }
`;

export interface ChatWidgetPageData {
  chatWidget: ChatWidgetSettings;
  acdQueues: { id: string; name: string }[];
  tenant: { id: string; slug: string; name: string } | null;
}

export const UPDATE_CHAT_WIDGET_MUTATION = /* GraphQL */ `
  mutation UpdateChatWidget($commandId: UUID, $input: ChatWidgetInput!) {
    updateChatWidget(commandId: $commandId, input: $input) {
      queueId organisationName primaryColor logoUrl intro welcome
      faq { question answer }
      offlineMessages offlinePrompt defaultLanguage snippet
    }
  }
`;

export interface UpdateChatWidgetVariables {
  commandId: string;
  input: Omit<ChatWidgetValues, "queueId"> & { queueId: string };
}

export interface UpdateChatWidgetData {
  updateChatWidget: ChatWidgetSettings;
}
