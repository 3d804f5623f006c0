import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FormView } from "./FormView";
import type { FormSchema, FormValues } from "./tickets.graphql";
import { schemaForStep } from "./workflow";

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
  const view = render(<FormView schema={schema} data={{ title: "Broken", notes: "kept" }} narrow={narrow} onChange={(data) => changes.push(data)} />);
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
