import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../../test/fakeServer";
import { renderInShell } from "../../customers/testing/shell";
import { exportTemplate } from "../../tickets/testing/fixtures";
import { uploadTemplateUrl } from "../../tickets/tickets.graphql";
import { ExportTemplatesPanel } from "./ExportTemplatesPanel";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const FIELDS = [
  { key: "amount", label: "Amount" },
  { key: "order_number", label: "Order number" },
];

interface FileRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** The fake /graphql, and `rest` answering the /api/ routes. */
function serve(graphql: Parameters<typeof fakeGraphqlServer>[0], rest: (request: FileRequest) => Response) {
  const server = fakeGraphqlServer(graphql);
  const answerGraphql = server.fetchMock.getMockImplementation()!;
  const files: FileRequest[] = [];
  server.fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    if (!url.startsWith("/api/")) return answerGraphql(url, init);
    const request = { url, method: init.method ?? "GET", headers: init.headers as Record<string, string>, body: init.body };
    files.push(request);
    return rest(request);
  });
  return { ...server, files };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function chooseFile(name: string) {
  const file = new File(["PK"], name, { type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" });
  fireEvent.change(screen.getByTestId("export-template-upload"), { target: { files: [file] } });
  return file;
}

describe("the export templates panel", () => {
  it("asks to save a new type first", () => {
    renderInShell(<ExportTemplatesPanel typeId={null} templates={[]} formFields={FIELDS} canEdit onChanged={() => {}} />, []);
    expect(screen.getByText("Save the type first: its export templates belong to it.")).toBeTruthy();
    expect(screen.queryByTestId("export-templates")).toBeNull();
  });

  it("lists the templates with their placeholders and the form's field keys", () => {
    renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[exportTemplate("x-1", "Refund letter")]} formFields={FIELDS} canEdit onChanged={() => {}} />, []);
    const panel = screen.getByTestId("export-templates");
    expect(panel.textContent).toContain("{{ticket.number}}");
    expect(panel.textContent).toContain("{{ticket.exported_at}}");
    expect(screen.getAllByTestId("export-template-field").map((field) => field.textContent)).toEqual(["{{field.amount}}", "{{field.order_number}}"]);
    const row = screen.getByTestId("export-template-row");
    expect(row.getAttribute("data-name")).toBe("Refund letter");
    expect(row.textContent).toContain("DOCX");
    expect(row.textContent).toContain("Refund letter.docx");
    expect(row.textContent).toContain("20 KB");
    expect(row.textContent).toContain("field.amount");
  });

  it("uploads a file with its name and shows the new row", async () => {
    const { files } = serve({}, () =>
      json(201, { id: "x-2", name: "Quote sheet", format: "XLSX", fileName: "quote.xlsx", size: 4096, placeholders: ["ticket.title"], addedAt: "2025-03-02T09:00:00Z" }),
    );
    const onChanged = vi.fn();
    renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[exportTemplate("x-1", "Refund letter")]} formFields={FIELDS} canEdit onChanged={onChanged} />, ["ticket_type.edit"]);
    fireEvent.change(screen.getByTestId("export-template-name"), { target: { value: " Quote sheet " } });
    chooseFile("quote.xlsx");

    await waitFor(() => expect(screen.getAllByTestId("export-template-row")).toHaveLength(2));
    expect(files).toHaveLength(1);
    expect(files[0]!.url).toBe("/api/ticket-types/type-1/export-templates?name=Quote%20sheet");
    expect(files[0]!.url).toBe(uploadTemplateUrl("type-1", "Quote sheet"));
    expect(files[0]!.method).toBe("POST");
    expect(files[0]!.headers["x-file-name"]).toBe("quote.xlsx");
    const added = screen.getAllByTestId("export-template-row").find((row) => row.getAttribute("data-name") === "Quote sheet")!;
    expect(added.textContent).toContain("XLSX");
    expect(added.textContent).toContain("ticket.title");
    expect(await screen.findByText("Template Quote sheet added")).toBeTruthy();
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect((screen.getByTestId("export-template-name") as HTMLInputElement).value).toBe("");
  });

  it("uploads without a name to the bare route", async () => {
    const { files } = serve({}, () => json(201, { id: "x-3", name: "letter", format: "DOCX", fileName: "letter.docx", size: 100, placeholders: [], addedAt: "2025-03-02T09:00:00Z" }));
    renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[]} formFields={FIELDS} canEdit onChanged={() => {}} />, []);
    chooseFile("letter.docx");
    await screen.findByTestId("export-template-row");
    expect(files[0]!.url).toBe("/api/ticket-types/type-1/export-templates");
  });

  it("shows why an upload was refused, with the server's detail", async () => {
    serve({}, () =>
      new Response(JSON.stringify({ code: "ticket_type.invalid_template", detail: "{{field.ordr}} names no field of the form" }), {
        status: 422,
        headers: { "content-type": "application/problem+json" },
      }),
    );
    const onChanged = vi.fn();
    renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[]} formFields={FIELDS} canEdit onChanged={onChanged} />, []);
    chooseFile("bad.docx");
    expect(await screen.findByText("bad.docx was not added: The template cannot be used: {{field.ordr}} names no field of the form")).toBeTruthy();
    expect(screen.queryByTestId("export-template-row")).toBeNull();
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("shows a taken name in the user's language", async () => {
    serve({}, () => new Response(JSON.stringify({ code: "ticket_type.template_name_taken", detail: "taken" }), { status: 409 }));
    renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[]} formFields={FIELDS} canEdit onChanged={() => {}} />, []);
    chooseFile("letter.docx");
    expect(await screen.findByText("letter.docx was not added: This type already has a template with this name.")).toBeTruthy();
  });

  it("removes a template after confirmation", async () => {
    const removed: Record<string, unknown>[] = [];
    serve(
      {
        RemoveTicketExportTemplate: (variables) => {
          removed.push(variables);
          return { data: { removeTicketExportTemplate: { id: "type-1", exportTemplates: [exportTemplate("x-2", "Quote sheet")] } } };
        },
      },
      () => json(500, {}),
    );
    const onChanged = vi.fn();
    renderInShell(
      <ExportTemplatesPanel typeId="type-1" templates={[exportTemplate("x-1", "Refund letter"), exportTemplate("x-2", "Quote sheet")]} formFields={FIELDS} canEdit onChanged={onChanged} />,
      [],
    );
    const row = screen.getAllByTestId("export-template-row").find((candidate) => candidate.getAttribute("data-name") === "Refund letter")!;
    fireEvent.click(within(row).getByTestId("export-template-remove"));
    fireEvent.click(await screen.findByTestId("export-template-remove-confirm"));
    await waitFor(() => expect(removed).toEqual([{ typeId: "type-1", templateId: "x-1" }]));
    await waitFor(() => expect(screen.getAllByTestId("export-template-row").map((candidate) => candidate.getAttribute("data-name"))).toEqual(["Quote sheet"]));
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("downloads the template file itself and offers no changes without ticket_type.edit", async () => {
    const { files } = serve({}, () => new Response(new Blob(["PK"]), { status: 200 }));
    const createObjectURL = vi.fn(() => "blob:x");
    const original = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    try {
      renderInShell(<ExportTemplatesPanel typeId="type-1" templates={[exportTemplate("x-1", "Refund letter")]} formFields={FIELDS} canEdit={false} onChanged={() => {}} />, []);
      expect(screen.queryByTestId("export-template-upload")).toBeNull();
      expect(screen.queryByTestId("export-template-remove")).toBeNull();
      fireEvent.click(screen.getByTestId("export-template-download"));
      await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
      expect(files[0]!.url).toBe("/api/ticket-types/type-1/export-templates/x-1");
      expect(files[0]!.method).toBe("GET");
      expect((click.mock.contexts[0] as HTMLAnchorElement).download).toBe("Refund letter.docx");
    } finally {
      click.mockRestore();
      Object.assign(URL, original);
    }
  });
});
