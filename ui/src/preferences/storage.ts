/**
 * Personal preferences kept in localStorage (language, skin, menu layout): each has a key,
 * a default and a check, so a stale or hand-edited value falls back to the default.
 */
import { useCallback, useState } from "react";

export interface Preference<T> {
  key: string;
  fallback: () => T;
  isValid: (value: unknown) => value is T;
}

export function readPreference<T>(preference: Preference<T>): T {
  try {
    const text = localStorage.getItem(preference.key);
    if (text !== null) {
      const value: unknown = JSON.parse(text);
      if (preference.isValid(value)) return value;
    }
  } catch {
    // Storage may be disabled or the value malformed: use the default.
  }
  return preference.fallback();
}

export function writePreference<T>(preference: Preference<T>, value: T): void {
  try {
    localStorage.setItem(preference.key, JSON.stringify(value));
  } catch {
    // Private windows may refuse storage; the choice then lasts for this page only.
  }
}

export function usePreference<T>(preference: Preference<T>): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readPreference(preference));
  const update = useCallback(
    (next: T) => {
      writePreference(preference, next);
      setValue(next);
    },
    [preference],
  );
  return [value, update];
}

export const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";
export const isString = (value: unknown): value is string => typeof value === "string";

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: unknown): value is T => typeof value === "string" && (values as readonly string[]).includes(value);
}
