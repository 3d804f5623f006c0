import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { I18nProvider } from "../../../i18n";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import { hotlineFieldsModule } from "../../tickets/fields/hotlineFields";
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
beforeEach(() => {
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  fakeGraphqlServer({
    TicketFormDictionaries: { data: { dictionaries: [{ code: "regions", name: "Regions" }, { code: "levels", name: "Levels" }] } },
    TicketFormCustomerFields: { data: { customerFields: [{ key: "phone", label: "Phone" }, { key: "city", label: "City" }] } },
  });
});

const SCHEMA: FormSchema = {
  type: "default",
  id: "ticket",
  components: [
    { type: "hotline-tree", key: "category", label: "Category", id: "Field_category", tree: [{ value: "hw", label: "Hardware" }] },
    { type: "hotline-upload", key: "files", label: "Files", id: "Field_files" },
    { type: "hotline-query", key: "region", label: "Region", id: "Field_region", source: "dictionary", dictionary: "regions" },
  ],
};

const WHITE_PAPER_FIELDS = [
  { type: "hotline-month", key: "due", label: "Due month", id: "Field_due" },
  { type: "hotline-phone", key: "phone", label: "Callback number", id: "Field_phone" },
  { type: "hotline-richtext", key: "notes", label: "Notes", id: "Field_notes" },
  { type: "hotline-hidden", key: "tier", label: "Tier", id: "Field_tier" },
  { type: "hotline-approval", key: "review", label: "Review", id: "Field_review" },
];
const WHITE_PAPER_SCHEMA: FormSchema = { type: "default", id: "ticket", components: WHITE_PAPER_FIELDS };

function renderDesigner(testId?: string, schema: FormSchema = SCHEMA) {
  const schemas: FormSchema[] = [];
  render(
    <I18nProvider>
      <FormDesigner schema={schema} testId={testId} onChange={(changed) => schemas.push(changed)} />
    </I18nProvider>,
  );
  const designer = screen.getByTestId(testId ?? "ticket-form-designer");
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
  it("offers the seven field types in the palette, Query after Related ticket", async () => {
    const { designer } = renderDesigner();
    await waitFor(() => expect(designer.querySelector('[data-field-type="hotline-user"]')).not.toBeNull());
    const types = [...designer.querySelectorAll<HTMLElement>(".fjs-palette-field")].map((button) => button.dataset.fieldType);
    expect(types).toEqual(expect.arrayContaining(["hotline-user", "hotline-group", "hotline-department", "hotline-tree", "hotline-relation", "hotline-query", "hotline-upload"]));
    expect(designer.querySelector('[data-field-type="hotline-department"]')?.textContent).toBe("Department");
    expect(designer.querySelector('[data-field-type="hotline-query"]')?.textContent).toBe("Query");
    expect(types.indexOf("hotline-query")).toBe(types.indexOf("hotline-relation") + 1);
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

  it("edits an upload field's accepted files (in the mobile layout's editor too)", async () => {
    const { designer, last } = renderDesigner("ticket-form-designer-mobile");
    expect(screen.queryByTestId("ticket-form-designer")).toBeNull();
    await select(designer, "Field_files");
    expect(designer.querySelector('[data-entry-id="hotline-tree"]')).toBeNull();
    const accept = (await entry(designer, "hotline-accept")).querySelector<HTMLInputElement>("input")!;
    await act(async () => {
      fireEvent.input(accept, { target: { value: " .pdf,image/* " } });
    });
    await waitFor(() => expect(last().components[1]).toMatchObject({ type: "hotline-upload", accept: ".pdf,image/*" }));
  });

  it("edits a query field: the dictionary from the tenant's list, then customers with columns and conditions", async () => {
    const { designer, last } = renderDesigner();
    await select(designer, "Field_region");
    const source = (await entry(designer, "hotline-query-source")).querySelector<HTMLSelectElement>("select")!;
    expect(source.value).toBe("dictionary");
    const dictionary = await waitFor(() => {
      const found = designer.querySelector<HTMLSelectElement>('[data-entry-id="hotline-query-dictionary"] select');
      if (!found) throw new Error("no dictionary select");
      return found;
    });
    expect([...dictionary.options].map((option) => option.textContent)).toEqual(["(choose a dictionary)", "Regions (regions)", "Levels (levels)"]);
    expect(dictionary.value).toBe("regions");
    await act(async () => {
      fireEvent.change(dictionary, { target: { value: "levels" } });
    });
    await waitFor(() => expect(last().components[2]).toMatchObject({ type: "hotline-query", source: "dictionary", dictionary: "levels" }));
    expect(designer.querySelector('[data-entry-id="hotline-query-conditions"]')).toBeNull();

    await act(async () => {
      fireEvent.change(source, { target: { value: "customers" } });
    });
    await waitFor(() => expect(last().components[2]).toMatchObject({ source: "customers" }));
    expect(last().components[2]!.dictionary).toBeUndefined();
    expect(designer.querySelector('[data-entry-id="hotline-query-dictionary"]')).toBeNull();

    const columnsEntry = await entry(designer, "hotline-query-columns");
    expect(columnsEntry.textContent).toContain("phone (Phone), city (City)");
    await act(async () => {
      fireEvent.input(columnsEntry.querySelector("input")!, { target: { value: "phone, city" } });
    });
    await waitFor(() => expect(last().components[2]!.columns).toEqual(["phone", "city"]));

    const conditionsEntry = await entry(designer, "hotline-query-conditions");
    const conditions = conditionsEntry.querySelector<HTMLTextAreaElement>("textarea")!;
    const typed = "city equals Shanghai\nlevel between 1 5\nphone not_empty\ncity near Beijing";
    await act(async () => {
      fireEvent.input(conditions, { target: { value: typed } });
    });
    await waitFor(() =>
      expect(last().components[2]!.conditions).toEqual([
        { field: "city", op: "equals", value: "Shanghai" },
        { field: "level", op: "between", value: "1", valueTo: "5" },
        { field: "phone", op: "not_empty" },
      ]),
    );
    // The line that does not read is shown as an error and not saved; the text stays as typed.
    expect(conditionsEntry.querySelector(".bio-properties-panel-error")?.textContent).toContain('Line 4: unknown operator "near"');
    expect(conditions.value).toBe(typed);

    // Back to a dictionary: the customers' properties go.
    await act(async () => {
      fireEvent.change(source, { target: { value: "dictionary" } });
    });
    await waitFor(() => expect(last().components[2]).toMatchObject({ source: "dictionary" }));
    expect(last().components[2]!.conditions).toBeUndefined();
    expect(last().components[2]!.columns).toBeUndefined();
  });

  it("starts a query field from the palette as a dictionary query named Query", () => {
    const registered = new Map<string, { config: { create: (options?: Record<string, unknown>) => Record<string, unknown>; group: string } }>();
    const Registration = hotlineFieldsModule.hotlineFields[1] as new (formFields: { register: (type: string, component: unknown) => void }) => unknown;
    new Registration({ register: (type: string, component: unknown) => registered.set(type, component as never) });
    const query = registered.get("hotline-query")!.config;
    expect(query.group).toBe("selection");
    expect(query.create({ id: "Field_1" })).toEqual({ label: "Query", source: "dictionary", id: "Field_1" });
    expect(registered.get("hotline-tree")!.config.create()).toEqual({ label: "Tree select" });
  });

  it("offers the white paper's five field types: the typed ones with the inputs, Approval with the selections", async () => {
    const { designer } = renderDesigner();
    await waitFor(() => expect(designer.querySelector('[data-field-type="hotline-approval"]')).not.toBeNull());
    const names = Object.fromEntries([...designer.querySelectorAll<HTMLElement>(".fjs-palette-field")].map((button) => [button.dataset.fieldType, button.textContent]));
    expect(names).toMatchObject({ "hotline-month": "Month", "hotline-phone": "Phone", "hotline-richtext": "Rich text", "hotline-hidden": "Hidden", "hotline-approval": "Approval" });
    const groupOf = (type: string) => designer.querySelector(`[data-field-type="${type}"]`)!.closest(".fjs-palette-group")?.getAttribute("data-group-id");
    for (const type of ["hotline-month", "hotline-phone", "hotline-richtext", "hotline-hidden", "hotline-upload"]) expect(groupOf(type), type).toBe("basic-input");
    expect(groupOf("hotline-approval")).toBe("selection");
  });

  it("offers no Multiple for them, only form-js's own properties", async () => {
    const { designer } = renderDesigner(undefined, WHITE_PAPER_SCHEMA);
    for (const { id, key } of WHITE_PAPER_FIELDS) {
      await select(designer, id);
      await waitFor(() => expect(designer.querySelector<HTMLInputElement>('[data-entry-id="key"] input')?.value).toBe(key));
      for (const standard of ["label", "description", "disabled", "readonly", "required"]) await entry(designer, standard);
      expect(designer.querySelector('[data-entry-id="hotline-multiple"]'), id).toBeNull();
    }
  });

  it("previews a hidden field by its key and edits its Value as the schema's defaultValue", async () => {
    const { designer, last } = renderDesigner(undefined, WHITE_PAPER_SCHEMA);
    await waitFor(() => expect(designer.querySelector('.fjs-element[data-id="Field_tier"]')?.textContent).toContain("Hidden field: tier"));
    await select(designer, "Field_tier");
    const value = (await entry(designer, "hotline-hidden-value")).querySelector<HTMLInputElement>("input")!;
    expect(value.value).toBe("");
    await act(async () => {
      fireEvent.input(value, { target: { value: "vip" } });
    });
    await waitFor(() => expect(last().components[3]).toMatchObject({ type: "hotline-hidden", key: "tier", defaultValue: "vip" }));
    await act(async () => {
      fireEvent.input(value, { target: { value: "" } });
    });
    await waitFor(() => expect(last().components[3]!.defaultValue).toBeUndefined());
    expect(designer.querySelector('[data-entry-id="hotline-hidden-value"]')).not.toBeNull();
    await select(designer, "Field_phone");
    await waitFor(() => expect(designer.querySelector('[data-entry-id="hotline-hidden-value"]')).toBeNull());
  });
});
