/** A customer's and a value's words on screen. */
import type { Translate } from "../../i18n";
import type { Customer, CustomerField } from "./customers.graphql";
import { GENDER_KEYS } from "./fields";

/** What names a customer in a title or a link: the name, else the phone. */
export function customerTitle(customer: Pick<Customer, "forgotten" | "name" | "phone">, t: Translate): string {
  if (customer.forgotten) return t("customers.forgotten");
  return customer.name || customer.phone || t("customers.unnamed");
}

/** A stored value as shown: a gender in the user's language, a time without seconds. */
export function displayValue(field: Pick<CustomerField, "fieldType">, value: string | undefined, t: Translate): string {
  if (value == null || value === "") return "";
  if (field.fieldType === "GENDER" && value in GENDER_KEYS) return t(GENDER_KEYS[value as keyof typeof GENDER_KEYS]);
  if (field.fieldType === "TIME") return value.replace(/^(\d{2}:\d{2}):00$/, "$1");
  return value;
}
