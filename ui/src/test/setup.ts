/** jsdom lacks a few browser APIs antd uses. */
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor wait up to 15 s: antd renders slowly in jsdom, and on CI's two cores shared
// with the Rust tests a select's menu and a modal took over 5 s to show (tests stay under the
// 30 s test timeout). A wait that is met returns at once, so passing tests are not slower.
configure({ asyncUtilTimeout: 15_000 });

afterEach(() => {
  cleanup();
  localStorage.clear();
  sessionStorage.clear();
});

if (typeof window !== "undefined") {
  window.matchMedia ??= (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
  window.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
  // antd measures scroll bars through getComputedStyle with a pseudo element, which jsdom
  // does not implement.
  const computed = window.getComputedStyle.bind(window);
  window.getComputedStyle = (element: Element, pseudo?: string | null) => computed(element, pseudo ? undefined : pseudo);
}
