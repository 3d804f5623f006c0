import { describe, expect, it } from "vitest";
import { isHexColor, isLogoUrl, widgetInput } from "./rules";

describe("chat widget rules", () => {
  it("take #rrggbb colours and http(s) logos", () => {
    expect(isHexColor("#1677ff")).toBe(true);
    expect(isHexColor("#1677f")).toBe(false);
    expect(isHexColor("red")).toBe(false);
    expect(isLogoUrl("")).toBe(true);
    expect(isLogoUrl(null)).toBe(true);
    expect(isLogoUrl("https://example.com/logo.png")).toBe(true);
    expect(isLogoUrl("javascript:alert(1)")).toBe(false);
  });

  it("send no empty logo and no empty FAQ entry", () => {
    const input = widgetInput({
      queueId: "q1",
      organisationName: " Demo ",
      primaryColor: "#1677FF",
      logoUrl: "",
      intro: "We answer within a minute.",
      welcome: "Hello!",
      faq: [
        { question: " Opening hours? ", answer: "9:00 to 18:00." },
        { question: "", answer: "" },
      ],
      offlineMessages: true,
      offlinePrompt: "Leave a message.",
      defaultLanguage: "zh-TW",
    });
    expect(input).toMatchObject({ organisationName: "Demo", primaryColor: "#1677ff", logoUrl: null });
    expect(input.faq).toEqual([{ question: "Opening hours?", answer: "9:00 to 18:00." }]);
  });
});
