import { isBoolean, oneOf, type Preference } from "../../preferences/storage";

export const MENU_PLACEMENTS = ["left", "top"] as const;
export type MenuPlacement = (typeof MENU_PLACEMENTS)[number];

export const menuPlacementPreference: Preference<MenuPlacement> = {
  key: "hotline.menu.placement",
  fallback: () => "left",
  isValid: oneOf(MENU_PLACEMENTS),
};

/** The side menu's state: collapsed, and whether the lock pins it so. */
export const menuCollapsedPreference: Preference<boolean> = {
  key: "hotline.menu.collapsed",
  fallback: () => false,
  isValid: isBoolean,
};

export const menuLockedPreference: Preference<boolean> = {
  key: "hotline.menu.locked",
  fallback: () => false,
  isValid: isBoolean,
};
