import { isValidElement } from "react";
import { describe, expect, it } from "vitest";
import { findPage } from "../../app/pages";
import "../index";
import { menuIcon } from "../shell/icons";

describe("the chat and routing pages", () => {
  it.each([
    ["/desk", "customer-service"],
    ["/supervisor", "dashboard"],
    ["/admin/acd", "branches"],
    ["/admin/chat-widget", "message"],
  ])("%s is registered and its menu icon %s is known", (path, icon) => {
    expect(findPage(path)).toBeTruthy();
    const shown = menuIcon(icon);
    const fallback = menuIcon("no-such-icon");
    expect(isValidElement(shown) && isValidElement(fallback) && shown.type !== fallback.type).toBe(true);
  });
});
