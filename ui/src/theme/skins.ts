/**
 * Skins: each is a set of antd design tokens, nothing else. Components never name a colour;
 * they read tokens (`theme.useToken()`) or the `chrome` hints below.
 */
import { theme, type ThemeConfig } from "antd";
import type { MessageKey } from "../i18n";
import { oneOf, type Preference } from "../preferences/storage";

export const SKIN_IDS = ["classic", "dark", "green"] as const;
export type SkinId = (typeof SKIN_IDS)[number];

export interface Skin {
  id: SkinId;
  titleKey: MessageKey;
  theme: ThemeConfig;
  /** Whether the header and the side menu sit on a dark background (text then uses light tokens). */
  chrome: { header: "dark" | "light"; menu: "dark" | "light" };
}

export const SKINS: Record<SkinId, Skin> = {
  classic: {
    id: "classic",
    titleKey: "skin.classic",
    chrome: { header: "dark", menu: "dark" },
    theme: {
      algorithm: theme.defaultAlgorithm,
      token: { colorPrimary: "#1677ff", colorInfo: "#1677ff", borderRadius: 6 },
      components: {
        Layout: { headerBg: "#001529", siderBg: "#001529", triggerBg: "#002140", bodyBg: "#f0f2f5", footerBg: "#f0f2f5" },
        Menu: { darkItemBg: "#001529", darkSubMenuItemBg: "#000c17", darkPopupBg: "#001529" },
      },
    },
  },
  dark: {
    id: "dark",
    titleKey: "skin.dark",
    chrome: { header: "dark", menu: "dark" },
    theme: {
      algorithm: theme.darkAlgorithm,
      token: { colorPrimary: "#3c89e8", colorInfo: "#3c89e8", borderRadius: 6 },
      components: {
        Layout: { headerBg: "#1f1f1f", siderBg: "#1f1f1f", triggerBg: "#262626", bodyBg: "#000000", footerBg: "#000000" },
        Menu: { darkItemBg: "#1f1f1f", darkSubMenuItemBg: "#141414", darkPopupBg: "#1f1f1f" },
      },
    },
  },
  green: {
    id: "green",
    titleKey: "skin.green",
    chrome: { header: "light", menu: "light" },
    theme: {
      algorithm: theme.defaultAlgorithm,
      token: { colorPrimary: "#00a870", colorInfo: "#00a870", colorLink: "#00875a", borderRadius: 8 },
      components: {
        Layout: { headerBg: "#ffffff", siderBg: "#ffffff", triggerBg: "#e8f5ef", triggerColor: "#00754f", bodyBg: "#f2f7f4", footerBg: "#f2f7f4" },
        Menu: { itemSelectedBg: "#e3f6ee", itemSelectedColor: "#00754f" },
      },
    },
  },
};

export const skinPreference: Preference<SkinId> = {
  key: "hotline.skin",
  fallback: () => "classic",
  isValid: oneOf(SKIN_IDS),
};
