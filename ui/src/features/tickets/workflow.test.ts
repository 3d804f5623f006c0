import { describe, expect, it } from "vitest";
import { GraphqlError } from "../../api/client";
import {
  durationSeconds,
  editableValues,
  formatAssignee,
  formatDaysHours,
  formatDuration,
  formatFieldsAttribute,
  formFieldKeys,
  formFields,
  LINK_LIFETIME_SECONDS,
  overdue,
  parseAssignee,
  parseDaysHours,
  parseDuration,
  parseFieldsAttribute,
  schemaForStep,
  serverDetail,
  starterForm,
  templateXml,
  ticketFieldErrors,
} from "./workflow";

const SCHEMA = {
  type: "default",
  components: [
    { type: "textfield", key: "amount", label: "Amount", disabled: true },
    { type: "text", text: "# Notes" },
    {
      type: "group",
      label: "Customer",
      components: [
        { type: "textfield", key: "phone", label: "Phone" },
        { type: "textfield", key: "secret", label: "Secret" },
      ],
    },
    { type: "select", key: "category", label: "Category", validate: { maxLength: 20 } },
  ],
};

describe("hotline:fields", () => {
  it("reads key=access pairs, skipping what it cannot read", () => {
    expect(parseFieldsAttribute("amount=editable, phone=READONLY,secret=hidden,category=required,bad,x=wat,=editable")).toEqual({
      amount: "EDITABLE",
      phone: "READ_ONLY",
      secret: "HIDDEN",
      category: "REQUIRED",
    });
    expect(parseFieldsAttribute("")).toEqual({});
    expect(parseFieldsAttribute(null)).toEqual({});
  });

  it("writes them in the form's order, then the rest, and reads back the same", () => {
    const text = formatFieldsAttribute({ old: "HIDDEN", category: "REQUIRED", amount: "EDITABLE", phone: "READ_ONLY" }, ["amount", "phone", "category"]);
    expect(text).toBe("amount=editable,phone=readonly,category=required,old=hidden");
    expect(parseFieldsAttribute(text)).toEqual({ amount: "EDITABLE", phone: "READ_ONLY", category: "REQUIRED", old: "HIDDEN" });
  });
});

describe("durations", () => {
  it("reads ISO-8601 durations", () => {
    expect(durationSeconds("PT4H")).toBe(14_400);
    expect(durationSeconds("P1DT30M")).toBe(88_200);
    expect(durationSeconds("PT45S")).toBe(45);
    expect(durationSeconds("P1W")).toBe(604_800);
    for (const bad of ["", "P", "PT", "4H", "PT4X", "P1H"]) expect(durationSeconds(bad)).toBeNull();
  });

  it("turns them into hours and minutes and back", () => {
    expect(parseDuration("PT4H30M")).toEqual({ hours: 4, minutes: 30 });
    expect(parseDuration("P1DT2H")).toEqual({ hours: 26, minutes: 0 });
    expect(parseDuration("nonsense")).toBeNull();
    expect(formatDuration(4, 30)).toBe("PT4H30M");
    expect(formatDuration(0, 15)).toBe("PT15M");
    expect(formatDuration(2, 0)).toBe("PT2H");
    expect(formatDuration(0, 0)).toBe("");
    expect(formatDuration(null, null)).toBe("");
  });

  it("turns them into days and hours and back, for a link's lifetime", () => {
    expect(parseDaysHours("P2DT6H")).toEqual({ days: 2, hours: 6 });
    expect(parseDaysHours("PT30H")).toEqual({ days: 1, hours: 6 });
    expect(parseDaysHours("P1W")).toEqual({ days: 7, hours: 0 });
    expect(parseDaysHours("PT1H30M")).toEqual({ days: 0, hours: 1 });
    expect(parseDaysHours("nonsense")).toBeNull();
    expect(parseDaysHours("")).toBeNull();
    expect(formatDaysHours(3, 0)).toBe("P3D");
    expect(formatDaysHours(0, 12)).toBe("PT12H");
    expect(formatDaysHours(2, 6)).toBe("P2DT6H");
    expect(formatDaysHours(0, 0)).toBe("");
    expect(formatDaysHours(null, null)).toBe("");
    for (const text of ["P3D", "PT12H", "P2DT6H"]) expect(durationSeconds(text)).toBe(parseDaysHours(text)!.days * 86_400 + parseDaysHours(text)!.hours * 3600);
    expect(LINK_LIFETIME_SECONDS).toEqual({ min: 3600, max: 7_776_000, default: 604_800 });
  });
});

describe("assignees", () => {
  it("reads and writes each kind", () => {
    for (const text of ["starter", "user:0b6f2d5e-0000-4000-8000-000000000001", "role:r-1", "unit:u-1", "field:owner", "external:supplier@example.com", "external-field:supplierMail"]) {
      expect(formatAssignee(parseAssignee(text)!)).toBe(text);
    }
    expect(parseAssignee("group:1")).toBeNull();
    expect(parseAssignee("role:")).toBeNull();
    expect(parseAssignee("")).toBeNull();
  });

  it("reads an outside collaborator, by a fixed address or the address in a form field", () => {
    expect(parseAssignee("external:supplier@example.com")).toEqual({ kind: "external", address: "supplier@example.com" });
    expect(parseAssignee(" external: supplier@example.com ")).toEqual({ kind: "external", address: "supplier@example.com" });
    expect(parseAssignee("external-field:supplierMail")).toEqual({ kind: "externalField", key: "supplierMail" });
    expect(formatAssignee({ kind: "external", address: "a@b.example" })).toBe("external:a@b.example");
    expect(formatAssignee({ kind: "externalField", key: "mail" })).toBe("external-field:mail");
    expect(parseAssignee("external:")).toBeNull();
    expect(parseAssignee("external-field:")).toBeNull();
  });
});

describe("the form as a step shows it", () => {
  it("lists the value fields, groups entered", () => {
    expect(formFieldKeys(SCHEMA)).toEqual(["amount", "phone", "secret", "category"]);
    expect(formFields(SCHEMA)[0]).toEqual({ key: "amount", label: "Amount" });
    expect(formFieldKeys(starterForm("Description"))).toEqual(["description"]);
  });

  it("removes hidden fields, disables read-only and unlisted ones, requires required ones", () => {
    const step = schemaForStep(SCHEMA, [
      { key: "amount", access: "EDITABLE" },
      { key: "secret", access: "HIDDEN" },
      { key: "category", access: "REQUIRED" },
    ]);
    const components = step.components as Record<string, unknown>[];
    expect(components[0]).toEqual({ type: "textfield", key: "amount", label: "Amount" });
    expect(components[1]).toEqual({ type: "text", text: "# Notes" });
    const group = components[2] as { components: Record<string, unknown>[] };
    expect(group.components).toEqual([{ type: "textfield", key: "phone", label: "Phone", disabled: true, readonly: true }]);
    expect(components[3]).toEqual({ type: "select", key: "category", label: "Category", validate: { maxLength: 20, required: true } });
    // The original is untouched.
    expect((SCHEMA.components[2] as { components: unknown[] }).components).toHaveLength(2);
  });

  it("shows everything read-only without a task, and as designed for a new ticket", () => {
    const none = schemaForStep(SCHEMA, null);
    expect(formFieldKeys(none)).toEqual(["amount", "phone", "secret", "category"]);
    expect((none.components as { disabled?: boolean; key?: string }[]).filter((component) => component.key).every((component) => component.disabled)).toBe(true);
    expect(schemaForStep(SCHEMA, "all")).toBe(SCHEMA);
  });

  it("sends only the values of editable and required fields", () => {
    expect(
      editableValues({ amount: 5, phone: "1", secret: "s", category: "refund" }, [
        { key: "amount", access: "EDITABLE" },
        { key: "phone", access: "READ_ONLY" },
        { key: "secret", access: "HIDDEN" },
        { key: "category", access: "REQUIRED" },
        { key: "missing", access: "EDITABLE" },
      ]),
    ).toEqual({ amount: 5, category: "refund" });
  });
});

describe("the template workflow", () => {
  it("is start → Handle (the starter, every field editable) → end, with our namespace", () => {
    const xml = templateXml(["description", "amount"]);
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    const task = doc.getElementsByTagName("bpmn:userTask")[0]!;
    expect(task.getAttribute("name")).toBe("Handle");
    expect(task.getAttribute("hotline:assignee")).toBe("starter");
    expect(task.getAttribute("hotline:fields")).toBe("description=editable,amount=editable");
    expect(doc.documentElement.getAttribute("xmlns:hotline")).toBe("https://hotline.example/schema/bpmn");
    expect(doc.getElementsByTagName("bpmn:sequenceFlow")).toHaveLength(2);
    expect(templateXml([], 'A "B" & <C>')).toContain('name="A &quot;B&quot; &amp; &lt;C&gt;"');
  });
});

describe("errors and times", () => {
  it("reads invalid values by field from the extensions, else from the message", () => {
    const listed = new GraphqlError("ticket.invalid_values", "x", undefined, { code: "ticket.invalid_values", fields: [{ field: "amount", message: "required" }] });
    expect(ticketFieldErrors(listed)).toEqual([{ field: "amount", message: "required" }]);
    const plain = new GraphqlError("ticket.invalid_values", "amount: not a number; phone: too long");
    expect(ticketFieldErrors(plain)).toEqual([
      { field: "amount", message: "not a number" },
      { field: "phone", message: "too long" },
    ]);
    expect(ticketFieldErrors(new GraphqlError("ticket.closed", "closed"))).toEqual([]);
  });

  it("shows the server's own words where they list the problems", () => {
    expect(serverDetail(new GraphqlError("ticket_type.invalid_workflow", "Task_1: no assignee\nFlow_2: bad condition"))).toBe("Task_1: no assignee\nFlow_2: bad condition");
    expect(serverDetail(new GraphqlError("ticket.no_way_out", "gateway G: no condition holds"))).toBe("gateway G: no condition holds");
    expect(serverDetail(new GraphqlError("ticket.closed", "closed"))).toBeNull();
    expect(serverDetail(new Error("x"))).toBeNull();
  });

  it("knows what is overdue", () => {
    expect(overdue("2025-01-01T00:00:00Z", Date.parse("2025-01-02T00:00:00Z"))).toBe(true);
    expect(overdue("2025-01-03T00:00:00Z", Date.parse("2025-01-02T00:00:00Z"))).toBe(false);
    expect(overdue(null)).toBe(false);
  });
});
