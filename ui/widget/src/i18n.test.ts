import { describe, expect, it } from "vitest";
import { LANGUAGES, MESSAGES, pickLanguage, translate } from "./i18n";

const reference = Object.keys(MESSAGES.en).sort();
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe("the widget's strings", () => {
  it.each(LANGUAGES)("%s has every key of en, no more, with text and the same placeholders", (language) => {
    const table = MESSAGES[language] as Record<string, string>;
    expect(Object.keys(table).sort()).toEqual(reference);
    for (const key of reference) {
      expect(table[key]!.trim(), `${language} ${key}`).not.toBe("");
      expect(placeholders(table[key]!), `${language} ${key}`).toEqual(placeholders((MESSAGES.en as Record<string, string>)[key]!));
    }
  });

  it("zh-TW is not zh-CN copied over", () => {
    const same = reference.filter(
      (key) => (MESSAGES["zh-TW"] as Record<string, string>)[key] === (MESSAGES["zh-CN"] as Record<string, string>)[key],
    );
    expect(same.length).toBeLessThan(reference.length / 4);
  });

  it("fills placeholders", () => {
    expect(translate("en", "joined", { name: "Ann" })).toBe("Ann joined the chat");
    expect(translate("zh-CN", "typing", { name: "Ann" })).toBe("Ann 正在输入…");
  });

  it("picks the first language it can serve", () => {
    expect(pickLanguage([null, "zh-Hant-HK", "en"])).toBe("zh-TW");
    expect(pickLanguage(["fr", "zh"])).toBe("zh-CN");
    expect(pickLanguage([undefined, "en-GB"])).toBe("en");
    expect(pickLanguage(["de"])).toBe("en");
  });
});
