import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { beforeEach, describe, expect, it } from "vitest";
import { I18nProvider } from "../../i18n";
import { FormView } from "./FormView";
import type { FormSchema, FormValues } from "./tickets.graphql";
import { schemaForStep } from "./workflow";

// The form's own words (phone number checks, the "Calculated" mark) need the page's language.
beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));

const FORM: FormSchema = {
  type: "default",
  id: "ticket",
  components: [
    { type: "textfield", key: "title", label: "Title (desktop)", id: "Field_title" },
    { type: "textarea", key: "notes", label: "Notes", id: "Field_notes" },
  ],
  mobileLayout: { components: [{ type: "group", id: "Group_m", components: [{ type: "textfield", key: "title", label: "Title (phone)", id: "Field_title" }] }] },
};

function renderForm(schema: FormSchema, narrow: boolean | undefined) {
  const changes: FormValues[] = [];
  const view = render(<FormView schema={schema} data={{ title: "Broken", notes: "kept" }} narrow={narrow} onChange={(data) => changes.push(data)} />, { wrapper: I18nProvider });
  return { changes, view };
}

describe("the form view's layouts", () => {
  it("shows the desktop layout when wide", async () => {
    renderForm(FORM, false);
    const root = screen.getByTestId("ticket-form-view");
    expect(root.getAttribute("data-layout")).toBe("desktop");
    await screen.findByLabelText("Title (desktop)");
    expect(screen.getByLabelText("Notes")).toBeTruthy();
    expect(screen.queryByLabelText("Title (phone)")).toBeNull();
  });

  it("shows the mobile layout when narrow; the fields it lacks keep their values", async () => {
    const { changes } = renderForm(FORM, true);
    expect(screen.getByTestId("ticket-form-view").getAttribute("data-layout")).toBe("mobile");
    const title = (await screen.findByLabelText("Title (phone)")) as HTMLInputElement;
    expect(title.value).toBe("Broken");
    expect(screen.queryByLabelText("Notes")).toBeNull();
    await act(async () => {
      fireEvent.input(title, { target: { value: "Broken screen" } });
    });
    await waitFor(() => expect(changes.at(-1)).toEqual({ title: "Broken screen", notes: "kept" }));
  });

  it("follows the viewport when not told (narrow in jsdom: below md)", async () => {
    renderForm(FORM, undefined);
    await screen.findByLabelText("Title (phone)");
    expect(screen.getByTestId("ticket-form-view").getAttribute("data-layout")).toBe("mobile");
  });

  it("shows the desktop layout on a phone when the step requires a field the mobile layout lacks", async () => {
    renderForm(schemaForStep(FORM, [{ key: "title", access: "EDITABLE" }, { key: "notes", access: "REQUIRED" }]), true);
    expect(screen.getByTestId("ticket-form-view").getAttribute("data-layout")).toBe("desktop");
    await screen.findByLabelText(/Notes/);
  });

  it("shows the desktop layout of a form without a mobile one", async () => {
    const { mobileLayout: _mobile, ...desktop } = FORM;
    renderForm(desktop, true);
    expect(screen.getByTestId("ticket-form-view").getAttribute("data-layout")).toBe("desktop");
    await screen.findByLabelText("Title (desktop)");
  });
});

const PRICED: FormSchema = {
  type: "default",
  id: "priced",
  components: [
    { type: "textfield", key: "name", label: "Name", id: "Field_name" },
    { type: "number", key: "price", label: "Price", id: "Field_price" },
    { type: "number", key: "quantity", label: "Quantity", id: "Field_quantity" },
    { type: "textfield", key: "code", label: "Code", id: "Field_code" },
    { type: "number", key: "total", label: "Total", id: "Field_total" },
  ],
};

describe("the form view's calculated values", () => {
  it("shows them in their fields as they come, read-only and marked, without starting the form again", async () => {
    const changes: FormValues[] = [];
    const shownKeys: string[][] = [];
    const props = { schema: PRICED, data: {}, narrow: false, onChange: (data: FormValues) => changes.push(data), onCalculatedKeys: (keys: string[]) => shownKeys.push(keys) };
    const view = render(<FormView {...props} computed={{}} />, { wrapper: I18nProvider });
    const name = (await screen.findByLabelText("Name")) as HTMLInputElement;
    name.focus();
    await act(async () => {
      fireEvent.input(name, { target: { value: "Ann" } });
    });

    view.rerender(<FormView {...props} computed={{ code: "A-1", total: 120, elsewhere: 1 }} />);
    const code = screen.getByLabelText(/^Code/) as HTMLInputElement;
    const total = screen.getByLabelText(/^Total/) as HTMLInputElement;
    await waitFor(() => expect(code.value).toBe("A-1"));
    expect(total.value).toBe("120");
    // The same form: what is being typed stays, and so does the focus.
    expect(screen.getByLabelText("Name")).toBe(name);
    expect(name.value).toBe("Ann");
    expect(document.activeElement).toBe(name);
    expect(code.readOnly).toBe(true);
    expect(total.readOnly).toBe(true);
    await waitFor(() => expect(screen.getByTestId("ticket-field-calculated-code").textContent).toBe("Calculated"));
    expect(screen.getByTestId("ticket-field-calculated-total").closest("label")?.getAttribute("for")).toBe(total.id);
    expect(screen.queryByTestId("ticket-field-calculated-name")).toBeNull();
    // Only the form's fields are shown; `elsewhere` is the page's to list.
    expect(shownKeys.at(-1)).toEqual(["code", "total"]);
    expect(changes.at(-1)).toMatchObject({ name: "Ann", code: "A-1", total: 120 });

    // No longer calculated: the field's own state again, with the last value.
    view.rerender(<FormView {...props} computed={{ code: "A-1" }} />);
    await waitFor(() => expect(total.readOnly).toBe(false));
    expect(total.value).toBe("120");
    expect(screen.queryByTestId("ticket-field-calculated-total")).toBeNull();
    expect(screen.getByTestId("ticket-field-calculated-code")).toBeTruthy();
    expect(shownKeys.at(-1)).toEqual(["code"]);
    await act(async () => {
      fireEvent.input(total, { target: { value: "7" } });
    });
    await waitFor(() => expect(changes.at(-1)).toMatchObject({ total: 7 }));
    expect(screen.getByLabelText("Name")).toBe(name);
  });

  it("shows one in a Hotline field (its control follows the form's value), locked while calculated", async () => {
    const schema: FormSchema = { type: "default", id: "phoned", components: [{ type: "hotline-phone", key: "phone", label: "Phone", id: "Field_phone" }] };
    const props = { schema, data: {}, narrow: false };
    const view = render(<FormView {...props} computed={{}} />, { wrapper: I18nProvider });
    const phone = (await screen.findByLabelText("Phone")) as HTMLInputElement;
    expect(phone.disabled).toBe(false);
    view.rerender(<FormView {...props} computed={{ phone: "+8613800138000" }} />);
    await waitFor(() => expect((screen.getByLabelText(/^Phone/) as HTMLInputElement).value).toBe("+8613800138000"));
    expect((screen.getByLabelText(/^Phone/) as HTMLInputElement).disabled).toBe(true);
    await screen.findByTestId("ticket-field-calculated-phone");
    view.rerender(<FormView {...props} computed={{}} />);
    await waitFor(() => expect((screen.getByLabelText(/^Phone/) as HTMLInputElement).disabled).toBe(false));
    expect(screen.queryByTestId("ticket-field-calculated-phone")).toBeNull();
  });

  it("runs with the rules as the user types and settles (no endless changes)", async () => {
    const { evaluateRules } = await import("./rulesCore");
    const { typedValues } = await import("./workflow");
    const { calculatedValues } = await import("./useFormRules");
    const { useMemo } = await import("react");
    const RULES = "values.total = Number(values.price || 0) * Number(values.quantity || 0); values.count = (values.count || 0) + 1;";
    let changes = 0;
    function Page() {
      const [values, setValues] = useState<FormValues>({});
      const [keys, setKeys] = useState<string[]>([]);
      const input = JSON.stringify(typedValues(values, keys));
      const result = useMemo(() => evaluateRules(RULES, JSON.parse(input) as FormValues, "start"), [input]);
      return (
        <FormView
          schema={{ ...PRICED, components: [...(PRICED.components as object[]), { type: "number", key: "count", label: "Count", id: "Field_count" }] }}
          data={{}}
          narrow={false}
          computed={calculatedValues(result)}
          onCalculatedKeys={setKeys}
          onChange={(data) => {
            changes += 1;
            setValues(data);
          }}
        />
      );
    }
    render(<Page />, { wrapper: I18nProvider });
    const price = (await screen.findByLabelText("Price")) as HTMLInputElement;
    const total = (await screen.findByLabelText(/^Total/)) as HTMLInputElement;
    await act(async () => {
      fireEvent.input(price, { target: { value: "12" } });
    });
    await act(async () => {
      fireEvent.input(screen.getByLabelText("Quantity"), { target: { value: "10" } });
    });
    await waitFor(() => expect(total.value).toBe("120"));
    expect(screen.getByTestId("ticket-field-calculated-total")).toBeTruthy();
    // A rule feeding on itself (`count + 1`) is no calculation: its field is left alone.
    expect((screen.getByLabelText("Count") as HTMLInputElement).value).toBe("");
    expect(screen.queryByTestId("ticket-field-calculated-count")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const settled = changes;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toBe(settled);
    expect(changes).toBeLessThan(10);
  });
});
