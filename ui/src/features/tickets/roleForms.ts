/**
 * Forms per role (white paper: different roles may each define a form to show and work on the
 * ticket's data). A form-js schema may carry, at its top level,
 * `roleForms: { "<role id>" | "*": { "<field key>": "hidden" | "readonly" | "editable" } }`.
 * `"*"` is the form of everyone else (users none of whose roles has a form of its own). A field
 * a role's form does not name is editable, so `{}` is a form without restriction. A user gets
 * the most any of their roles' forms gives; the server narrows each step's access by it and
 * refuses a roleForms naming anything but the form's fields. form-js never sees `roleForms`.
 */
import type { FormSchema } from "./tickets.graphql";

export type RoleFieldAccess = "hidden" | "readonly" | "editable";

/** A form's access by field key; the fields it does not name are editable. */
export type RoleForm = Record<string, RoleFieldAccess>;

/** The forms by role id, `EVERYONE_ELSE` among them. */
export type RoleForms = Record<string, RoleForm>;

export const EVERYONE_ELSE = "*";

export const ROLE_FIELD_ACCESS: readonly RoleFieldAccess[] = ["editable", "readonly", "hidden"];

function isAccess(value: unknown): value is RoleFieldAccess {
  return typeof value === "string" && (ROLE_FIELD_ACCESS as readonly string[]).includes(value);
}

/** The schema's role forms; what is not an object or not an access word is skipped. */
export function readRoleForms(schema: FormSchema | null | undefined): RoleForms {
  const raw = schema?.roleForms;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
  const forms: RoleForms = {};
  for (const [role, form] of Object.entries(raw as Record<string, unknown>)) {
    if (!form || typeof form !== "object" || Array.isArray(form)) continue;
    forms[role] = Object.fromEntries(Object.entries(form as Record<string, unknown>).filter((entry): entry is [string, RoleFieldAccess] => isAccess(entry[1])));
  }
  return forms;
}

/** The schema without `roleForms`: what the form-js editor gets. */
export function withoutRoleForms(schema: FormSchema): FormSchema {
  const { roleForms: _roleForms, ...rest } = schema;
  return rest;
}

/** The schema to save: with `roleForms` when there is any, without the key otherwise. */
export function withRoleForms(schema: FormSchema, forms: RoleForms): FormSchema {
  const base = withoutRoleForms(schema);
  return Object.keys(forms).length > 0 ? { ...base, roleForms: forms } : base;
}

/** A field's access in a role's form (editable when the form does not name it, or there is no form). */
export function roleFieldAccess(forms: RoleForms, role: string, key: string): RoleFieldAccess {
  return forms[role]?.[key] ?? "editable";
}

/** The forms with one field's access in one role's form set (the form made when missing).
 * Editable is written as leaving the field out: it is what an unnamed field gets. */
export function setRoleFieldAccess(forms: RoleForms, role: string, key: string, access: RoleFieldAccess): RoleForms {
  const { [key]: _previous, ...others } = forms[role] ?? {};
  return { ...forms, [role]: access === "editable" ? others : { ...others, [key]: access } };
}

/** The forms with an (unrestricted) form for the role, when it has none yet. */
export function addRoleForm(forms: RoleForms, role: string): RoleForms {
  return role in forms ? forms : { ...forms, [role]: {} };
}

/** The forms without the role's: its users get everyone else's (or their other roles'). */
export function removeRoleForm(forms: RoleForms, role: string): RoleForms {
  const { [role]: _removed, ...rest } = forms;
  return rest;
}

/** The forms naming only fields the form still has (the server refuses others). */
export function pruneRoleForms(forms: RoleForms, fieldKeys: readonly string[]): RoleForms {
  const keys = new Set(fieldKeys);
  return Object.fromEntries(Object.entries(forms).map(([role, form]) => [role, Object.fromEntries(Object.entries(form).filter(([key]) => keys.has(key)))]));
}
