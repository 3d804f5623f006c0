/** The tenant's customer fields, defined as a whole list (docs/customers.md, "Fields"). */
import type { CustomerField, CustomerFieldType } from "../../customers/customers.graphql";

export const CUSTOMER_FIELD_DEFINITIONS_QUERY = /* GraphQL */ `
  query CustomerFieldDefinitions {
    customerFields { key label fieldType required maxLength enabled sortOrder builtIn }
  }
`;

export interface CustomerFieldDefinitionsData {
  customerFields: CustomerField[];
}

export const DEFINE_CUSTOMER_FIELDS_MUTATION = /* GraphQL */ `
  mutation DefineCustomerFields($commandId: UUID, $fields: [CustomerFieldInput!]!) {
    defineCustomerFields(commandId: $commandId, fields: $fields) { key label fieldType required maxLength enabled sortOrder builtIn }
  }
`;

export interface CustomerFieldInput {
  key: string;
  label: string;
  fieldType: CustomerFieldType;
  required: boolean;
  maxLength: number | null;
  enabled: boolean;
  sortOrder: number;
}

export interface DefineCustomerFieldsVariables {
  commandId: string;
  fields: CustomerFieldInput[];
}

export interface DefineCustomerFieldsData {
  defineCustomerFields: CustomerField[];
}
