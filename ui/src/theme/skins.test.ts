import { describe, expect, it } from "vitest";
import { hasMessage } from "../i18n";
import { sourceFiles } from "../test/repo";
import { SKIN_IDS, SKINS } from "./skins";

describe("skins", () => {
  it("offers at least three, each a named set of tokens", () => {
    expect(SKIN_IDS.length).toBeGreaterThanOrEqual(3);
    for (const id of SKIN_IDS) {
      expect(SKINS[id].id).toBe(id);
      expect(hasMessage(SKINS[id].titleKey)).toBe(true);
      expect(SKINS[id].theme.token?.colorPrimary).toMatch(/^#[0-9a-f]{6}$/i);
    }
  });

  it("leaves colours to the skins: no component names one", () => {
    const offenders = sourceFiles(/\.tsx?$/)
      .filter(([path]) => !path.includes("/src/theme/") && !path.endsWith(".test.ts") && !path.endsWith(".test.tsx"))
      .filter(([, text]) => /["'`]#[0-9a-fA-F]{3,8}["'`]|\brgba?\(|\bhsla?\(/.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
