import { describe, expect, it } from "vitest";
import { builtInRoleKey } from "../features/admin/shared/roles";
import { readRepoFile, sourceFiles } from "../test/repo";
import { detectLocale, hasMessage, LOCALES, MESSAGES, translate } from "./index";

const reference = Object.keys(MESSAGES.en).sort();
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe("locale files", () => {
  it.each(LOCALES)("%s has exactly the keys of en, no more, no fewer", (locale) => {
    const keys = Object.keys(MESSAGES[locale]).sort();
    expect(keys.filter((key) => !reference.includes(key)), "extra keys").toEqual([]);
    expect(reference.filter((key) => !keys.includes(key)), "missing keys").toEqual([]);
  });

  it.each(LOCALES)("%s has no empty text and the same placeholders as en", (locale) => {
    for (const key of reference) {
      const text = (MESSAGES[locale] as Record<string, string>)[key]!;
      expect(text.trim(), `${locale} ${key}`).not.toBe("");
      expect(placeholders(text), `${locale} ${key}`).toEqual(placeholders((MESSAGES.en as Record<string, string>)[key]!));
    }
  });

  it("zh-TW is not zh-CN copied over", () => {
    const same = reference.filter(
      (key) => MESSAGES["zh-TW"][key as keyof typeof MESSAGES.en] === MESSAGES["zh-CN"][key as keyof typeof MESSAGES.en],
    );
    // Only texts that are written the same in both (工作台, 角色, ...) may match.
    expect(same.length).toBeLessThan(reference.length / 5);
  });

  it("keys are grouped by feature", () => {
    for (const key of reference) expect(key).toMatch(/^[a-z][A-Za-z]*(\.[A-Za-z_]+)+$/);
  });
});

describe("keys used by the code", () => {
  it("every literal t(\"...\") key and every titleKey exists", () => {
    const used = new Set<string>();
    for (const [path, text] of sourceFiles(/\.tsx?$/)) {
      if (path.endsWith(".test.ts")) continue;
      for (const match of text.matchAll(/\bt\(\s*"([^"]+)"/g)) used.add(match[1]!);
      for (const match of text.matchAll(/titleKey: "([^"]+)"/g)) used.add(match[1]!);
      for (const match of text.matchAll(/\bt\([^)]*\?\s*"([^"]+)"\s*:\s*"([^"]+)"/g)) {
        used.add(match[1]!);
        used.add(match[2]!);
      }
    }
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((key) => !hasMessage(key))).toEqual([]);
  });

  it("every built-in role has a name in each language", () => {
    const roles = readRepoFile("domain/src/access/role.rs");
    if (!roles) return;
    const names = [...roles.matchAll(/BuiltInRole::\w+ => \{?\s*\(\s*"([^"]+)"/g)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(names.map(builtInRoleKey).filter((key) => !hasMessage(key))).toEqual([]);
  });

  it("every error code of the server's catalogue reads well in each language", () => {
    const catalogue = readRepoFile("schemas/src/errors.rs")!;
    const codes = [...catalogue.matchAll(/^\s*\("([a-z_]+(?:\.[a-z0-9_]+)?)",/gm)].map((match) => match[1]!);
    expect(codes.length).toBeGreaterThan(10);
    expect(codes.filter((code) => !hasMessage(`error.${code}`))).toEqual([]);
  });

  it("every permission of the server's catalogue has a label for the permission matrix", () => {
    const permissions = readRepoFile("domain/src/access/permissions.rs");
    if (!permissions) return;
    const keys = [...permissions.matchAll(/permission\("([^"]+)",/g)].map((match) => match[1]!);
    expect(keys.length).toBeGreaterThan(20);
    expect(keys.map((key) => `permission.${key}`).filter((key) => !hasMessage(key))).toEqual([]);
    // And no label of a permission the server no longer has.
    const labels = reference.filter((key) => key.startsWith("permission."));
    expect(labels.filter((key) => !keys.includes(key.slice("permission.".length)))).toEqual([]);
  });

  it("every scoped resource and built-in role description reads well in each language", () => {
    const permissions = readRepoFile("domain/src/access/permissions.rs");
    const roles = readRepoFile("domain/src/access/role.rs");
    if (!permissions || !roles) return;
    const resources = /SCOPED_RESOURCES: &\[&str\] = &\[([^\]]*)\]/.exec(permissions)![1]!;
    const resourceKeys = [...resources.matchAll(/"([^"]+)"/g)].map((match) => `role.resource.${match[1]}`);
    expect(resourceKeys.length).toBeGreaterThan(0);
    const roleKeys = [...roles.matchAll(/BuiltInRole::\w+ => "([a-z_]+)"/g)].map((match) => `role.builtInDescription.${match[1]}`);
    expect(roleKeys.length).toBeGreaterThanOrEqual(5);
    expect([...resourceKeys, ...roleKeys].filter((key) => !hasMessage(key))).toEqual([]);
  });

  it("every menu entry the server may send has a title", () => {
    // The server's menu tree, when this checkout has it (domain/src/access).
    const permissions = readRepoFile("domain/src/access/permissions.rs");
    if (!permissions) return;
    const menuKeys = new Set([...permissions.matchAll(/"(menu\.[a-z_.]+)"/g)].map((match) => match[1]!));
    expect([...menuKeys].filter((key) => !hasMessage(key))).toEqual([]);
  });
});

describe("translate", () => {
  it("fills placeholders and falls back to English, then to the key", () => {
    expect(translate("en", "admin.users.created", { username: "ann" })).toBe("User ann created");
    expect(translate("zh-CN", "admin.users.created", { username: "ann" })).toBe("用户 ann 已创建");
    expect(translate("zh-TW", "menu.admin.users")).toBe("使用者管理");
    expect(translate("zh-TW", "menu.unknown.entry")).toBe("menu.unknown.entry");
  });
});

describe("detectLocale", () => {
  it("maps the browser's languages to ours", () => {
    expect(detectLocale(["zh-TW"])).toBe("zh-TW");
    expect(detectLocale(["zh-Hant-HK"])).toBe("zh-TW");
    expect(detectLocale(["zh-HK"])).toBe("zh-TW");
    expect(detectLocale(["zh-CN"])).toBe("zh-CN");
    expect(detectLocale(["zh"])).toBe("zh-CN");
    expect(detectLocale(["fr-FR", "en-GB"])).toBe("en");
    expect(detectLocale(["de"])).toBe("en");
    expect(detectLocale([])).toBe("en");
  });
});
