import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { I18nProvider } from "../../../i18n";
import type { FormSchema } from "../../tickets/tickets.graphql";
import { FormDesigner } from "./FormDesigner";

// form-js's editor watches its panels' visibility; jsdom has no IntersectionObserver.
beforeAll(() => {
  vi.stubGlobal(
    "IntersectionObserver",
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
      takeRecords() {
        return [];
      }
    },
  );
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));

const SCHEMA: FormSchema = {
  type: "default",
  id: "ticket",
  components: [
    { type: "hotline-tree", key: "category", label: "Category", id: "Field_category", tree: [{ value: "hw", label: "Hardware" }] },
    { type: "hotline-upload", key: "files", label: "Files", id: "Field_files" },
  ],
};

function renderDesigner() {
  const schemas: FormSchema[] = [];
  render(
    <I18nProvider>
      <FormDesigner schema={SCHEMA} onChange={(schema) => schemas.push(schema)} />
    </I18nProvider>,
  );
  const designer = screen.getByTestId("ticket-form-designer");
  const last = () => schemas[schemas.length - 1] as { components: Record<string, unknown>[] };
  return { designer, last };
}

async function select(designer: HTMLElement, id: string) {
  const element = await waitFor(() => {
    const found = designer.querySelector<HTMLElement>(`.fjs-element[data-id="${id}"]`);
    if (!found) throw new Error(`no ${id}`);
    return found;
  });
  await act(async () => {
    fireEvent.click(element);
  });
}

async function entry(designer: HTMLElement, id: string) {
  return waitFor(() => {
    const found = designer.querySelector<HTMLElement>(`[data-entry-id="${id}"]`);
    if (!found) throw new Error(`no entry ${id}`);
    return found;
  });
}

describe("FormDesigner with Hotline's fields", () => {
  it("offers the six field types in the palette", async () => {
    const { designer } = renderDesigner();
    await waitFor(() => expect(designer.querySelector('[data-field-type="hotline-user"]')).not.toBeNull());
    const types = [...designer.querySelectorAll<HTMLElement>(".fjs-palette-field")].map((button) => button.dataset.fieldType);
    expect(types).toEqual(expect.arrayContaining(["hotline-user", "hotline-group", "hotline-department", "hotline-tree", "hotline-relation", "hotline-upload"]));
    expect(designer.querySelector('[data-field-type="hotline-department"]')?.textContent).toBe("Department");
  });

  it("edits Multiple and the tree as text into the schema", async () => {
    const { designer, last } = renderDesigner();
    await select(designer, "Field_category");
    const multiple = (await entry(designer, "hotline-multiple")).querySelector<HTMLInputElement>("input[type=checkbox]")!;
    await act(async () => {
      fireEvent.click(multiple);
    });
    await waitFor(() => expect(last().components[0]).toMatchObject({ type: "hotline-tree", multiple: true }));
    for (const standard of ["key", "label", "description", "disabled", "readonly", "required"]) await entry(designer, standard);

    const tree = (await entry(designer, "hotline-tree")).querySelector<HTMLTextAreaElement>("textarea")!;
    expect(tree.value).toBe("hw | Hardware");
    // Half-typed: `Software |` reads as `Software`, and stays as typed.
    const typed = "hw | Hardware\n  laptop | Laptop\nSoftware |";
    await act(async () => {
      fireEvent.input(tree, { target: { value: typed } });
    });
    await waitFor(() =>
      expect(last().components[0]!.tree).toEqual([{ value: "hw", label: "Hardware", children: [{ value: "laptop", label: "Laptop" }] }, { value: "Software", label: "Software" }]),
    );
    expect(tree.value).toBe(typed);
  });

  it("edits an upload field's accepted files", async () => {
    const { designer, last } = renderDesigner();
    await select(designer, "Field_files");
    expect(designer.querySelector('[data-entry-id="hotline-tree"]')).toBeNull();
    const accept = (await entry(designer, "hotline-accept")).querySelector<HTMLInputElement>("input")!;
    await act(async () => {
      fireEvent.input(accept, { target: { value: " .pdf,image/* " } });
    });
    await waitFor(() => expect(last().components[1]).toMatchObject({ type: "hotline-upload", accept: ".pdf,image/*" }));
  });
});
