/** The webhooks page's documents: endpoints, their deliveries, and what an integrator changes. */

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Patterns (`hotline.user.created`, `hotline.user.*`); empty receives every event. */
  eventTypes: string[];
  description: string;
  enabled: boolean;
  /** `administrator`, or `gone` when the receiver answered 410; null while enabled. */
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type DeliveryStatus = "PENDING" | "DELIVERED" | "DEAD";

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  position: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface WebhookInput {
  url: string;
  eventTypes: string[];
  description: string;
}

export const WEBHOOK_ENDPOINTS_QUERY = /* GraphQL */ `
  query WebhookEndpoints {
    webhookEndpoints { id url eventTypes description enabled disabledReason createdAt updatedAt }
  }
`;

export interface WebhookEndpointsData {
  webhookEndpoints: WebhookEndpoint[];
}

export const WEBHOOK_DELIVERIES_QUERY = /* GraphQL */ `
  query WebhookDeliveries($endpointId: UUID, $status: WebhookDeliveryStatus, $first: Int!, $after: String) {
    webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
      nodes { id endpointId eventId eventType position status attempts nextAttemptAt lastResponseStatus lastError createdAt updatedAt deliveredAt }
      endCursor
      hasNextPage
    }
  }
`;

export interface WebhookDeliveriesData {
  webhookDeliveries: { nodes: WebhookDelivery[]; endCursor: string | null; hasNextPage: boolean };
}

export const REGISTER_WEBHOOK_MUTATION = /* GraphQL */ `
  mutation RegisterWebhook($input: WebhookInput!) {
    registerWebhook(input: $input) {
      endpoint { id url eventTypes description enabled disabledReason createdAt updatedAt }
      secret
    }
  }
`;

export interface WebhookWithSecret {
  endpoint: WebhookEndpoint;
  /** `whsec_...`, shown in this answer only. */
  secret: string;
}

export const UPDATE_WEBHOOK_MUTATION = /* GraphQL */ `
  mutation UpdateWebhook($id: UUID!, $input: WebhookInput!) {
    updateWebhook(id: $id, input: $input) { id url eventTypes description enabled disabledReason createdAt updatedAt }
  }
`;

export const SET_WEBHOOK_ENABLED_MUTATION = /* GraphQL */ `
  mutation SetWebhookEnabled($id: UUID!, $enabled: Boolean!) {
    setWebhookEnabled(id: $id, enabled: $enabled) { id url eventTypes description enabled disabledReason createdAt updatedAt }
  }
`;

export const DELETE_WEBHOOK_MUTATION = /* GraphQL */ `
  mutation DeleteWebhook($id: UUID!) {
    deleteWebhook(id: $id)
  }
`;

export const ROTATE_WEBHOOK_SECRET_MUTATION = /* GraphQL */ `
  mutation RotateWebhookSecret($id: UUID!) {
    rotateWebhookSecret(id: $id) {
      endpoint { id url eventTypes description enabled disabledReason createdAt updatedAt }
      secret
    }
  }
`;

export const REDELIVER_WEBHOOK_MUTATION = /* GraphQL */ `
  mutation RedeliverWebhook($deliveryId: UUID!) {
    redeliverWebhook(deliveryId: $deliveryId) { id endpointId eventId eventType position status attempts nextAttemptAt lastResponseStatus lastError createdAt updatedAt deliveredAt }
  }
`;
