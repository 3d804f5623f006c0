/**
 * A server error on an admin form: put it under the field it is about when its code names
 * one (`user.username_taken` → the user name), else return it for the form's alert.
 */
import type { FormInstance } from "antd";
import { GraphqlError } from "../../../api/client";

export function showOnField<Values>(
  form: FormInstance<Values>,
  error: unknown,
  fieldByCode: Record<string, keyof Values & string>,
  text: (error: unknown) => string,
): boolean {
  if (!(error instanceof GraphqlError)) return false;
  const field = fieldByCode[error.code];
  if (!field) return false;
  form.setFields([{ name: field as never, errors: [text(error)] }]);
  return true;
}
