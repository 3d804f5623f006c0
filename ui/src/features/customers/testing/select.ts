/** antd Select in jsdom, for component tests: open it, read its options, pick one. */
import { act, fireEvent, waitFor } from "@testing-library/react";

function combobox(select: HTMLElement): HTMLElement {
  return (select.matches("[role=combobox]") ? select : select.querySelector<HTMLElement>("[role=combobox]")) ?? select;
}

/** Each Select's dropdown, recorded when it first appears: in jsdom neither ids (every
 * Select's is `test-id`) nor classes tell an open dropdown from a closed one. */
const dropdowns = new WeakMap<HTMLElement, HTMLElement>();

function allDropdowns(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>(".ant-select-dropdown")];
}

export async function openSelect(select: HTMLElement): Promise<HTMLElement> {
  const before = new Set(allDropdowns());
  await act(async () => {
    fireEvent.mouseDown(combobox(select));
  });
  return waitFor(() => {
    if (combobox(select).getAttribute("aria-expanded") !== "true") throw new Error("the select did not open");
    const known = dropdowns.get(select);
    if (known?.isConnected) return known;
    const created = allDropdowns().find((dropdown) => !before.has(dropdown));
    if (!created) throw new Error("the dropdown did not open");
    dropdowns.set(select, created);
    return created;
  });
}

export async function optionLabels(select: HTMLElement): Promise<string[]> {
  const dropdown = await openSelect(select);
  const labels = [...dropdown.querySelectorAll(".ant-select-item-option")].map((option) => option.textContent ?? "");
  await close(select);
  return labels;
}

async function close(select: HTMLElement): Promise<void> {
  await act(async () => {
    fireEvent.keyDown(combobox(select), { key: "Escape", code: "Escape", keyCode: 27, which: 27 });
  });
  await waitFor(() => {
    if (combobox(select).getAttribute("aria-expanded") === "true") throw new Error("still open");
  });
}

export async function pick(select: HTMLElement, label: string): Promise<void> {
  const dropdown = await openSelect(select);
  const option = [...dropdown.querySelectorAll<HTMLElement>(".ant-select-item-option")].find(
    (candidate) => (candidate.getAttribute("title") ?? candidate.textContent) === label,
  );
  if (!option) throw new Error(`no option ${label}`);
  await act(async () => {
    fireEvent.click(option);
  });
  if (combobox(select).getAttribute("aria-expanded") === "true") await close(select);
}
