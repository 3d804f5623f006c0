/** Customer profiles, saved queries, contacts and the screen pop's match (docs/customers.md). */
import type { ContactChannel } from "../desk/desk.graphql";

export type CustomerFieldType = "TEXT" | "NUMBER" | "MONEY" | "DATE" | "TIME" | "PHONE" | "ID_CARD" | "GENDER";
export type ConditionOp = "EQUALS" | "CONTAINS" | "STARTS_WITH" | "GREATER_THAN" | "LESS_THAN" | "BETWEEN" | "IS_EMPTY" | "NOT_EMPTY";

export interface CustomerField {
  key: string;
  label: string;
  fieldType: CustomerFieldType;
  required: boolean;
  maxLength: number | null;
  enabled: boolean;
  sortOrder: number;
  builtIn: boolean;
}

export interface FieldValue {
  key: string;
  value: string;
}

export interface Customer {
  id: string;
  forgotten: boolean;
  values: FieldValue[];
  name: string | null;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface QueryCondition {
  field: string;
  op: ConditionOp;
  value: string | null;
  valueTo: string | null;
}

export interface SavedCustomerQuery {
  id: string;
  name: string;
  shared: boolean;
  mine: boolean;
  conditions: QueryCondition[];
  sortField: string | null;
  sortDescending: boolean;
}

export interface ImportRowError {
  row: number;
  field: string | null;
  message: string;
}

export interface ImportReport {
  imported: number;
  failed: number;
  duplicates: number;
  errors: ImportRowError[];
}

export interface Contact {
  kind: string;
  id: string;
  channel: ContactChannel;
  at: string;
  agentName: string | null;
  summary: string | null;
  disposition: string | null;
}

export const CUSTOMER_FIELDS_QUERY = /* GraphQL */ `
  query CustomerFields {
    customerFields { key label fieldType required maxLength enabled sortOrder builtIn }
  }
`;

export interface CustomerFieldsData {
  customerFields: CustomerField[];
}

export const CUSTOMERS_QUERY = /* GraphQL */ `
  query Customers($conditions: [QueryConditionInput!], $sortField: String, $sortDescending: Boolean, $first: Int, $offset: Int) {
    customers(conditions: $conditions, sortField: $sortField, sortDescending: $sortDescending, first: $first, offset: $offset) {
      items { id forgotten values { key value } name phone createdAt updatedAt }
      total
    }
  }
`;

export interface CustomersVariables {
  conditions: QueryCondition[];
  sortField: string | null;
  sortDescending: boolean;
  first: number;
  offset: number;
}

export interface CustomersData {
  customers: { items: Customer[]; total: number };
}

export const CUSTOMER_QUERY = /* GraphQL */ `
  query Customer($id: UUID!) {
    customer(id: $id) { id forgotten values { key value } name phone createdAt updatedAt }
    customerContacts(customerId: $id) { kind id channel at agentName summary disposition }
  }
`;

export interface CustomerData {
  customer: Customer | null;
  customerContacts: Contact[];
}

export const CUSTOMER_DUPLICATES_QUERY = /* GraphQL */ `
  query CustomerDuplicates($values: [FieldValueInput!]!) {
    customerDuplicates(values: $values) { id forgotten values { key value } name phone createdAt updatedAt }
  }
`;

export interface CustomerDuplicatesData {
  customerDuplicates: Customer[];
}

export const SAVED_CUSTOMER_QUERIES_QUERY = /* GraphQL */ `
  query SavedCustomerQueries {
    savedCustomerQueries { id name shared mine conditions { field op value valueTo } sortField sortDescending }
  }
`;

export interface SavedCustomerQueriesData {
  savedCustomerQueries: SavedCustomerQuery[];
}

export const CREATE_CUSTOMER_MUTATION = /* GraphQL */ `
  mutation CreateCustomer($commandId: UUID, $values: [FieldValueInput!]!) {
    createCustomer(commandId: $commandId, values: $values) { id forgotten values { key value } name phone createdAt updatedAt }
  }
`;

export interface CreateCustomerVariables {
  commandId: string;
  values: FieldValue[];
}

export interface CreateCustomerData {
  createCustomer: Customer;
}

export const UPDATE_CUSTOMER_MUTATION = /* GraphQL */ `
  mutation UpdateCustomer($commandId: UUID, $id: UUID!, $values: [FieldValueInput!]!) {
    updateCustomer(commandId: $commandId, id: $id, values: $values) { id forgotten values { key value } name phone createdAt updatedAt }
  }
`;

export interface UpdateCustomerVariables {
  commandId: string;
  id: string;
  values: FieldValue[];
}

export interface UpdateCustomerData {
  updateCustomer: Customer;
}

export const FORGET_CUSTOMER_MUTATION = /* GraphQL */ `
  mutation ForgetCustomer($commandId: UUID, $id: UUID!) {
    forgetCustomer(commandId: $commandId, id: $id) { id forgotten }
  }
`;

export interface ForgetCustomerVariables {
  commandId: string;
  id: string;
}

export const SAVE_CUSTOMER_QUERY_MUTATION = /* GraphQL */ `
  mutation SaveCustomerQuery($commandId: UUID, $input: SavedCustomerQueryInput!) {
    saveCustomerQuery(commandId: $commandId, input: $input) {
      id name shared mine conditions { field op value valueTo } sortField sortDescending
    }
  }
`;

export interface SaveCustomerQueryVariables {
  commandId: string;
  input: {
    /** Absent for a new saved query. */
    id?: string;
    name: string;
    shared: boolean;
    conditions: QueryCondition[];
    sortField: string | null;
    sortDescending: boolean;
  };
}

export interface SaveCustomerQueryData {
  saveCustomerQuery: SavedCustomerQuery;
}

export const DELETE_CUSTOMER_QUERY_MUTATION = /* GraphQL */ `
  mutation DeleteCustomerQuery($commandId: UUID, $id: UUID!) {
    deleteCustomerQuery(commandId: $commandId, id: $id)
  }
`;

export interface DeleteCustomerQueryVariables {
  commandId: string;
  id: string;
}

export const CUSTOMER_FOR_CONVERSATION_QUERY = /* GraphQL */ `
  query CustomerForConversation($conversationId: UUID!) {
    customerForConversation(conversationId: $conversationId) { id forgotten values { key value } name phone createdAt updatedAt }
  }
`;

export interface CustomerForConversationData {
  customerForConversation: Customer | null;
}
