import { describe, expect, it } from "vitest";
import { withMobileLayout } from "./formLayout";
import { addRoleForm, EVERYONE_ELSE, pruneRoleForms, readRoleForms, removeRoleForm, roleFieldAccess, setRoleFieldAccess, withoutRoleForms, withRoleForms } from "./roleForms";
import type { FormSchema } from "./tickets.graphql";

const AGENT = "6f1c1a52-0c1e-4f0e-9a53-1f0a4a0b7c11";
const COMPONENTS = [
  { type: "textfield", key: "subject", label: "Subject", id: "Field_subject" },
  { type: "number", key: "salary", label: "Salary", id: "Field_salary" },
];

describe("role forms", () => {
  it("reads a schema's role forms, skipping what is not a form or an access word", () => {
    const schema: FormSchema = {
      type: "default",
      components: COMPONENTS,
      roleForms: { [AGENT]: { salary: "hidden", subject: "readonly", other: "required" }, [EVERYONE_ELSE]: {}, broken: "hidden", list: [] },
    };
    expect(readRoleForms(schema)).toEqual({ [AGENT]: { salary: "hidden", subject: "readonly" }, [EVERYONE_ELSE]: {} });
    expect(readRoleForms({ type: "default", components: COMPONENTS })).toEqual({});
    expect(readRoleForms({ roleForms: "hidden" })).toEqual({});
    expect(readRoleForms(null)).toEqual({});
  });

  it("gives editable for what a form does not name and for a role without a form", () => {
    const forms = { [AGENT]: { salary: "hidden" as const } };
    expect(roleFieldAccess(forms, AGENT, "salary")).toBe("hidden");
    expect(roleFieldAccess(forms, AGENT, "subject")).toBe("editable");
    expect(roleFieldAccess(forms, EVERYONE_ELSE, "salary")).toBe("editable");
  });

  it("sets one field's access in one role's form, editable by leaving the field out", () => {
    const hidden = setRoleFieldAccess({}, AGENT, "salary", "hidden");
    expect(hidden).toEqual({ [AGENT]: { salary: "hidden" } });
    const both = setRoleFieldAccess(hidden, AGENT, "subject", "readonly");
    expect(both).toEqual({ [AGENT]: { salary: "hidden", subject: "readonly" } });
    // The role keeps its (now unrestricted) form: its users do not fall back to everyone else's.
    expect(setRoleFieldAccess(setRoleFieldAccess(both, AGENT, "salary", "editable"), AGENT, "subject", "editable")).toEqual({ [AGENT]: {} });
    // Nothing is changed in place.
    expect(hidden).toEqual({ [AGENT]: { salary: "hidden" } });
  });

  it("adds and removes a role's form", () => {
    const forms = addRoleForm({ [EVERYONE_ELSE]: { salary: "hidden" } }, AGENT);
    expect(forms).toEqual({ [EVERYONE_ELSE]: { salary: "hidden" }, [AGENT]: {} });
    const restricted = setRoleFieldAccess(forms, AGENT, "subject", "readonly");
    expect(addRoleForm(restricted, AGENT)).toBe(restricted);
    expect(removeRoleForm(restricted, AGENT)).toEqual({ [EVERYONE_ELSE]: { salary: "hidden" } });
    expect(removeRoleForm(restricted, "unknown")).toEqual(restricted);
  });

  it("prunes the fields the form no longer has, keeping the roles' forms", () => {
    const forms = { [AGENT]: { salary: "hidden" as const, gone: "readonly" as const }, [EVERYONE_ELSE]: { gone: "hidden" as const } };
    expect(pruneRoleForms(forms, ["subject", "salary"])).toEqual({ [AGENT]: { salary: "hidden" }, [EVERYONE_ELSE]: {} });
  });

  it("saves the key only when there is a form, beside the mobile layout", () => {
    const desktop: FormSchema = { type: "default", components: COMPONENTS };
    const mobile = { components: [COMPONENTS[0]] };
    const saved = withRoleForms(withMobileLayout(desktop, mobile), { [AGENT]: { salary: "hidden" } });
    expect(saved).toEqual({ type: "default", components: COMPONENTS, mobileLayout: mobile, roleForms: { [AGENT]: { salary: "hidden" } } });
    expect("roleForms" in withRoleForms(saved, {})).toBe(false);
    expect(withoutRoleForms(saved)).toEqual({ type: "default", components: COMPONENTS, mobileLayout: mobile });
  });
});
