import type { MessageKey } from "../../../i18n";
import type { DictionaryValueType } from "./dictionary.graphql";

export const VALUE_TYPE_KEYS: Record<DictionaryValueType, MessageKey> = {
  TEXT: "dictionary.type.text",
  NUMBER: "dictionary.type.number",
  BOOLEAN: "dictionary.type.boolean",
};

/** What an entry code of each type looks like, for the field's hint and error. */
export const CODE_RULE_KEYS: Record<DictionaryValueType, MessageKey> = {
  TEXT: "validation.identifierRule",
  NUMBER: "validation.numberRule",
  BOOLEAN: "validation.booleanRule",
};
