/** The server's rules for dictionaries (domain/src/dictionary), checked here first. */
import type { DictionaryValueType } from "./dictionary.graphql";

export const MAX_ENTRIES = 500;
export const DICTIONARY_NAME_MAX = 120;
export const ENTRY_LABEL_MAX = 200;

/** A dictionary code, and a text entry's code: a letter, then letters, digits, `_`, `-`,
 * `.`; 1 to 64 characters. */
export const IDENTIFIER_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** What two entry codes clash on: text ignoring case, numbers by value, booleans as they
 * are; null when the code does not fit the type. */
export function entryKey(valueType: DictionaryValueType, code: string): string | null {
  switch (valueType) {
    case "TEXT":
      return IDENTIFIER_PATTERN.test(code) ? code.toLowerCase() : null;
    case "NUMBER": {
      if (code.length === 0 || code.length > 32 || !/^[0-9+\-.eE]+$/.test(code)) return null;
      const number = Number(code);
      if (!Number.isFinite(number)) return null;
      return String(number === 0 ? 0 : number);
    }
    case "BOOLEAN":
      return code === "true" || code === "false" ? code : null;
  }
}

/** The indexes of entries whose code another entry has already (ignoring ill-formed codes). */
export function duplicateIndexes(valueType: DictionaryValueType, codes: readonly string[]): Set<number> {
  const firstByKey = new Map<string, number>();
  const duplicates = new Set<number>();
  codes.forEach((code, index) => {
    const key = entryKey(valueType, code ?? "");
    if (key === null) return;
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, index);
    else duplicates.add(index);
  });
  return duplicates;
}
