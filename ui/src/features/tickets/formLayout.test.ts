import { describe, expect, it } from "vitest";
import { chooseLayout, desktopSchema, fieldKeys, mobileFromDesktop, mobileSchema, pickLayout, requiredFieldKeys, withMobileLayout } from "./formLayout";
import type { FormSchema } from "./tickets.graphql";
import { schemaForStep } from "./workflow";

const DESKTOP = [
  { type: "textfield", key: "title", label: "Title", id: "Field_title", validate: { required: true } },
  {
    type: "group",
    id: "Group_1",
    components: [
      { type: "number", key: "amount", label: "Amount", id: "Field_amount" },
      { type: "dynamiclist", path: "items", id: "List_1", components: [{ type: "textfield", key: "name", id: "Field_name" }] },
    ],
  },
  { type: "textarea", key: "notes", label: "Notes", id: "Field_notes" },
];
const MOBILE = [
  { type: "text", text: "On the road", id: "Text_1" },
  { type: "group", id: "Group_m", components: [{ type: "textfield", key: "title", label: "What", id: "Field_title" }] },
  { type: "number", key: "amount", label: "Amount", id: "Field_amount" },
];
const FORM: FormSchema = { type: "default", id: "ticket", schemaVersion: 18, components: DESKTOP, mobileLayout: { components: MOBILE } };

describe("the form layouts", () => {
  it("lists field keys through groups, with a dynamic list's path", () => {
    expect(fieldKeys(FORM)).toEqual(["title", "amount", "items", "name", "notes"]);
    expect(fieldKeys(mobileSchema(FORM))).toEqual(["title", "amount"]);
    expect(requiredFieldKeys(FORM)).toEqual(["title"]);
  });

  it("strips the mobile layout from the desktop schema and builds the mobile one", () => {
    expect(desktopSchema(FORM)).toEqual({ type: "default", id: "ticket", schemaVersion: 18, components: DESKTOP });
    expect("mobileLayout" in desktopSchema(FORM)).toBe(false);
    expect(mobileSchema(FORM)).toEqual({ type: "default", id: "ticket", schemaVersion: 18, components: MOBILE });
    expect(mobileSchema(desktopSchema(FORM))).toBeNull();
    expect(mobileSchema({ ...FORM, mobileLayout: null })).toBeNull();
  });

  it("shows the desktop layout when wide, the mobile one when narrow", () => {
    expect(pickLayout(FORM, { narrow: false, requiredKeys: [] })).toBe("desktop");
    expect(chooseLayout(FORM, { narrow: false, requiredKeys: [] })).toEqual(desktopSchema(FORM));
    expect(pickLayout(FORM, { narrow: true, requiredKeys: ["title"] })).toBe("mobile");
    expect(chooseLayout(FORM, { narrow: true, requiredKeys: ["title", "amount"] })).toEqual(mobileSchema(FORM));
    // No mobile layout: the desktop one everywhere.
    expect(chooseLayout(desktopSchema(FORM), { narrow: true, requiredKeys: [] })).toEqual(desktopSchema(FORM));
  });

  it("falls back to the desktop layout when the mobile one lacks a field the step requires", () => {
    expect(pickLayout(FORM, { narrow: true, requiredKeys: ["title", "notes"] })).toBe("desktop");
    expect(chooseLayout(FORM, { narrow: true, requiredKeys: ["items"] })).toEqual(desktopSchema(FORM));
    // A step's REQUIRED field, nested in a group on the mobile layout, counts as held.
    const step = schemaForStep(FORM, [{ key: "title", access: "EDITABLE" }, { key: "amount", access: "REQUIRED" }]);
    expect(requiredFieldKeys(desktopSchema(step))).toEqual(["title", "amount"]);
    expect(pickLayout(step, { narrow: true, requiredKeys: requiredFieldKeys(desktopSchema(step)) })).toBe("mobile");
    const notes = schemaForStep(FORM, [{ key: "notes", access: "REQUIRED" }]);
    expect(pickLayout(notes, { narrow: true, requiredKeys: requiredFieldKeys(desktopSchema(notes)) })).toBe("desktop");
  });

  it("applies a step's access to the mobile layout too", () => {
    const step = schemaForStep(FORM, [{ key: "title", access: "HIDDEN" }, { key: "amount", access: "REQUIRED" }]);
    const mobile = mobileSchema(step)!;
    expect(fieldKeys(mobile)).toEqual(["amount"]);
    expect((mobile.components as Record<string, unknown>[])[2]).toMatchObject({ key: "amount", validate: { required: true } });
  });

  it("saves the desktop schema with the mobile layout, or without the key", () => {
    expect(withMobileLayout(desktopSchema(FORM), mobileSchema(FORM))).toEqual(FORM);
    expect(withMobileLayout(FORM, { components: [] })).toEqual({ ...desktopSchema(FORM), mobileLayout: { components: [] } });
    const saved = withMobileLayout(FORM, null);
    expect("mobileLayout" in saved).toBe(false);
    // A new mobile layout: a deep copy of the desktop components.
    const copy = mobileFromDesktop(FORM);
    expect(copy.components).toEqual(DESKTOP);
    expect(copy.components).not.toBe(DESKTOP);
    expect((copy.components as unknown[])[1]).not.toBe(DESKTOP[1]);
    expect("mobileLayout" in copy).toBe(false);
  });
});
