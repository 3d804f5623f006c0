/** Test data: a tenant's customer fields and a few customers. */
import type { Customer, CustomerField } from "../customers.graphql";

const field = (key: string, label: string, fieldType: CustomerField["fieldType"], sortOrder: number, extra: Partial<CustomerField> = {}): CustomerField => ({
  key,
  label,
  fieldType,
  required: false,
  maxLength: fieldType === "TEXT" ? 100 : null,
  enabled: true,
  sortOrder,
  builtIn: false,
  ...extra,
});

export const FIELDS: CustomerField[] = [
  // Out of order on purpose: forms and columns follow sortOrder.
  field("birthday", "Birthday", "DATE", 1),
  field("name", "Name", "TEXT", -3, { required: true, builtIn: true }),
  field("gender", "Gender", "GENDER", -2, { builtIn: true }),
  field("phone", "Phone", "PHONE", -1, { builtIn: true }),
  field("member_no", "Member number", "TEXT", 0, { maxLength: 12, required: true }),
  field("balance", "Balance", "MONEY", 2),
  field("visits", "Visits", "NUMBER", 3),
  field("callback_at", "Call back at", "TIME", 4),
  field("id_card", "ID card", "ID_CARD", 5),
  field("old_code", "Old code", "TEXT", 6, { enabled: false }),
];

export function customer(id: string, values: Record<string, string>, extra: Partial<Customer> = {}): Customer {
  return {
    id,
    forgotten: false,
    values: Object.entries(values).map(([key, value]) => ({ key, value })),
    name: values.name ?? null,
    phone: values.phone ?? null,
    createdAt: "2026-11-20T08:00:00Z",
    updatedAt: "2026-11-21T09:00:00Z",
    ...extra,
  };
}
