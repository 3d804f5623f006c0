import { describe, expect, it } from "vitest";
import { eventTypesProblem, isEventTypePattern, isWebhookUrl, webhookInput } from "./rules";

describe("webhook rules (as the server's domain/src/webhook checks them)", () => {
  it("takes absolute http(s) addresses with a host and refuses the rest", () => {
    for (const url of ["https://crm.example.com/hooks", "http://10.0.0.5:8080/x?y=1", "https://[::1]:443/h", "HTTPS://EXAMPLE.COM"]) {
      expect(isWebhookUrl(url), url).toBe(true);
    }
    for (const url of [
      "",
      "ftp://example.com",
      "example.com/hooks",
      "https://",
      "https://user:pass@example.com/",
      "https://exa mple.com",
      "https://example.com:99999/",
      "https://example.com:/",
      `https://example.com/${"a".repeat(2000)}`,
    ]) {
      expect(isWebhookUrl(url), url).toBe(false);
    }
  });

  it("takes hotline.<context>.<event> and hotline.<context>.* only, at most 100, none twice", () => {
    expect(isEventTypePattern("hotline.user.created")).toBe(true);
    expect(isEventTypePattern("hotline.conversation.*")).toBe(true);
    for (const pattern of ["user.created", "hotline.*", "hotline.user.*.x", "hotline.User.created", "hotline..created"]) {
      expect(isEventTypePattern(pattern), pattern).toBe(false);
    }
    expect(eventTypesProblem([])).toBeNull();
    expect(eventTypesProblem(["hotline.user.*", "user.created"])).toEqual({ key: "webhooks.rule.eventType", pattern: "user.created" });
    expect(eventTypesProblem(["hotline.user.*", "hotline.user.*"])).toEqual({ key: "webhooks.rule.duplicateType", pattern: "hotline.user.*" });
    expect(eventTypesProblem(Array.from({ length: 101 }, (_, index) => `hotline.c${index}.*`))).toEqual({ key: "webhooks.rule.tooManyTypes" });
  });

  it("sends the form trimmed", () => {
    expect(webhookInput({ url: " https://a.example/h ", eventTypes: [" hotline.user.* ", ""], description: " CRM " })).toEqual({
      url: "https://a.example/h",
      eventTypes: ["hotline.user.*"],
      description: "CRM",
    });
  });
});
