/**
 * Our own strings in zh-CN, zh-TW (Taiwan usage) and en, keyed by feature (`shell.*`,
 * `login.*`, `admin.users.*`, ...). `en.json` is the reference: the other two must have
 * exactly its keys (see i18n.test.ts).
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from "react";
import { oneOf, type Preference, usePreference } from "../preferences/storage";
import en from "./en.json";
import zhCN from "./zh-CN.json";
import zhTW from "./zh-TW.json";

export const LOCALES = ["zh-CN", "zh-TW", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;

export const MESSAGES: Record<Locale, Messages> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

/** Each language's name in itself, as language pickers show it. */
export const LOCALE_NAMES: Record<Locale, string> = {
  "zh-CN": "简体中文",
  "zh-TW": "繁體中文（台灣）",
  en: "English",
};

/** The best of our locales for the browser's preferred languages. */
export function detectLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const tag = language.toLowerCase();
    if (tag.startsWith("zh")) {
      return /^zh-(tw|hk|mo|hant)/.test(tag) ? "zh-TW" : "zh-CN";
    }
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

export type TranslationVariables = Record<string, string | number>;

/**
 * The text of `key` with `{name}` placeholders filled in. A key the locale lacks (a menu
 * key from a newer server, say) falls back to English, then to the key itself.
 */
export function translate(locale: Locale, key: string, variables?: TranslationVariables): string {
  const table = MESSAGES[locale] as Record<string, string>;
  const reference = MESSAGES.en as Record<string, string>;
  const template = table[key] ?? reference[key] ?? key;
  if (!variables) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in variables ? String(variables[name]) : whole,
  );
}

export function hasMessage(key: string): boolean {
  return key in MESSAGES.en;
}

export const localePreference: Preference<Locale> = {
  key: "hotline.locale",
  fallback: () => detectLocale(typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language])),
  isValid: oneOf(LOCALES),
};

export type Translate = (key: MessageKey | (string & {}), variables?: TranslationVariables) => string;

interface I18nContextValue {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: Translate;
}

const I18nContext = createContext<I18nContextValue | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocale] = usePreference(localePreference);
  const t = useCallback<Translate>((key, variables) => translate(locale, key, variables), [locale]);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = translate(locale, "app.title");
  }, [locale]);
  const value = useMemo(() => ({ locale, setLocale, t }), [locale, setLocale, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nContextValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

/** The `t(key, vars)` of the current language. */
export function useT(): Translate {
  return useI18n().t;
}
