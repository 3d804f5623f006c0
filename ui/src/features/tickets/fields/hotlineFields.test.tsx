import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { I18nProvider } from "../../../i18n";
import { openSelect, pick } from "../../customers/testing/select";
import { FormView, type FormViewApi } from "../FormView";
import type { FormValues } from "../tickets.graphql";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue, QueryOption } from "./directory";

const USER_ANN = "11111111-1111-1111-1111-111111111111";
const USER_BOB = "22222222-2222-2222-2222-222222222222";
const GROUP = "33333333-3333-3333-3333-333333333333";
const UNIT_TOP = "44444444-4444-4444-4444-444444444444";
const UNIT_SALES = "55555555-5555-5555-5555-555555555555";
const TICKET_1 = "66666666-6666-6666-6666-666666666666";
const TICKET_2 = "77777777-7777-7777-7777-777777777777";

const SCHEMA = {
  type: "default",
  components: [
    { type: "hotline-user", key: "owner", label: "Owner", id: "Field_owner" },
    { type: "hotline-group", key: "team", label: "Team", id: "Field_team" },
    { type: "hotline-department", key: "unit", label: "Unit", id: "Field_unit" },
    {
      type: "hotline-tree",
      key: "category",
      label: "Category",
      id: "Field_category",
      tree: [{ value: "hw", label: "Hardware", children: [{ value: "laptop", label: "Laptop" }] }, { value: "sw", label: "Software" }],
    },
    { type: "hotline-relation", key: "related", label: "Related", id: "Field_related", multiple: true },
    { type: "hotline-upload", key: "files", label: "Files", id: "Field_files", accept: ".pdf" },
  ],
};

const OPTIONS: FieldOption[] = [
  { kind: "USER", id: USER_ANN, label: "Ann Lee", parentId: null },
  { kind: "USER", id: USER_BOB, label: "Bob Wu", parentId: null },
  { kind: "GROUP", id: GROUP, label: "Supervisors", parentId: null },
  { kind: "DEPARTMENT", id: UNIT_TOP, label: "Head office", parentId: null },
  { kind: "DEPARTMENT", id: UNIT_SALES, label: "Sales", parentId: UNIT_TOP },
  { kind: "TICKET", id: TICKET_1, label: "T-1 Broken laptop", parentId: null },
  { kind: "TICKET", id: TICKET_2, label: "T-2 Refund", parentId: null },
];

const REPORT: FileValue = { blobId: "blob-1", name: "report.pdf", size: 1234, contentType: "application/pdf" };

function fakeDirectory(overrides: Partial<FieldDirectory> = {}) {
  const search = vi.fn(async (kind: FieldOptionKind, text: string) => OPTIONS.filter((option) => option.kind === kind && option.label.toLowerCase().includes(text.toLowerCase())));
  const upload = vi.fn(async (file: File): Promise<FileValue> => ({ ...REPORT, name: file.name, size: file.size }));
  const directory: FieldDirectory = { search, upload, references: [], queryLabels: [], fileUrl: (file) => `/files/${file.blobId}`, ...overrides };
  return { directory, search, upload };
}

function renderForm(props: { data?: FormValues; directory?: FieldDirectory; readOnly?: boolean; schema?: Record<string, unknown> }) {
  const changes: FormValues[] = [];
  let api: FormViewApi | null = null;
  render(
    <I18nProvider>
      <AntApp>
        <FormView
          schema={props.schema ?? SCHEMA}
          data={props.data ?? {}}
          readOnly={props.readOnly}
          directory={props.directory}
          onChange={(data) => changes.push(data)}
          onReady={(ready) => {
            api = ready;
          }}
        />
      </AntApp>
    </I18nProvider>,
  );
  return { changes, last: () => changes[changes.length - 1], validate: () => api!.validate() };
}

const control = (key: string) => screen.findByTestId(`ticket-field-${key}`);

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));

describe("Hotline form fields in the viewer", () => {
  it("starts with the contract's empty values", async () => {
    const form = renderForm({ directory: fakeDirectory().directory });
    await control("files");
    await waitFor(() => expect(form.last()).toEqual({ owner: null, team: null, unit: null, category: null, related: [], files: [] }));
  });

  it("sanitizes held values to the fields' shapes", async () => {
    const form = renderForm({
      directory: fakeDirectory().directory,
      data: { owner: [USER_ANN, USER_BOB], team: "", unit: 5, category: ["sw"], related: TICKET_1, files: { ...REPORT, extra: true } },
    });
    await control("files");
    await waitFor(() => expect(form.last()).toEqual({ owner: USER_ANN, team: null, unit: null, category: "sw", related: [TICKET_1], files: [REPORT] }));
  });

  it("picks a user found by the directory's search", async () => {
    const { directory, search } = fakeDirectory();
    const form = renderForm({ directory });
    const owner = await control("owner");
    await openSelect(owner);
    await waitFor(() => expect(search).toHaveBeenCalledWith("USER", ""));
    fireEvent.change(within(owner).getByRole("combobox"), { target: { value: "bob" } });
    await waitFor(() => expect(search).toHaveBeenCalledWith("USER", "bob"));
    await pick(owner, "Bob Wu");
    await waitFor(() => expect(form.last()?.owner).toBe(USER_BOB));
    expect(within(owner).getByText("Bob Wu")).toBeTruthy();
  });

  it("picks several related tickets", async () => {
    const { directory, search } = fakeDirectory();
    const form = renderForm({ directory });
    const related = await control("related");
    await pick(related, "T-1 Broken laptop");
    await pick(related, "T-2 Refund");
    expect(search).toHaveBeenCalledWith("TICKET", "");
    await waitFor(() => expect(form.last()?.related).toEqual([TICKET_1, TICKET_2]));
  });

  it("picks a department from the tree the directory lists", async () => {
    const { directory, search } = fakeDirectory();
    const form = renderForm({ directory });
    const unit = await control("unit");
    const dropdown = await openSelect(unit);
    await waitFor(() => expect(search).toHaveBeenCalledWith("DEPARTMENT", ""));
    fireEvent.change(within(unit).getByRole("combobox"), { target: { value: "Sal" } });
    const sales = await within(dropdown).findByTitle("Sales");
    await act(async () => {
      fireEvent.click(sales);
    });
    await waitFor(() => expect(form.last()?.unit).toBe(UNIT_SALES));
  });

  it("picks any node of the designer's tree", async () => {
    const form = renderForm({ directory: fakeDirectory().directory });
    const category = await control("category");
    const dropdown = await openSelect(category);
    await act(async () => {
      fireEvent.click(await within(dropdown).findByTitle("Laptop"));
    });
    await waitFor(() => expect(form.last()?.category).toBe("laptop"));
  });

  it("uploads a file through the directory and removes it", async () => {
    const { directory, upload } = fakeDirectory();
    const form = renderForm({ directory });
    const files = await control("files");
    const input = files.querySelector<HTMLInputElement>("input[type=file]")!;
    expect(input.accept).toBe(".pdf");
    const file = new File(["%PDF"], "quote.pdf", { type: "application/pdf" });
    await act(async () => {
      fireEvent.change(input, { target: { files: [file] } });
    });
    await waitFor(() => expect(form.last()?.files).toEqual([{ blobId: "blob-1", name: "quote.pdf", size: 4, contentType: "application/pdf" }]));
    expect(upload).toHaveBeenCalledWith(file);
    expect(within(files).getByText("quote.pdf").closest("a")?.getAttribute("href")).toBe("/files/blob-1");
    await act(async () => {
      fireEvent.click(within(files).getByTitle("Remove file"));
    });
    await waitFor(() => expect(form.last()?.files).toEqual([]));
  });

  it("adds files uploaded together to a multiple upload field", async () => {
    const schema = { type: "default", components: [{ type: "hotline-upload", key: "files", label: "Files", id: "Field_files", multiple: true }] };
    const { directory } = fakeDirectory({
      upload: async (file) => ({ blobId: `blob-${file.name}`, name: file.name, size: file.size, contentType: file.type }),
    });
    const form = renderForm({ schema, directory, data: { files: [REPORT] } });
    const input = (await control("files")).querySelector<HTMLInputElement>("input[type=file]")!;
    expect(input.multiple).toBe(true);
    const files = [new File(["1"], "one.txt", { type: "text/plain" }), new File(["22"], "two.txt", { type: "text/plain" })];
    await act(async () => {
      fireEvent.change(input, { target: { files } });
    });
    await waitFor(() =>
      expect(form.last()?.files).toEqual([
        REPORT,
        { blobId: "blob-one.txt", name: "one.txt", size: 1, contentType: "text/plain" },
        { blobId: "blob-two.txt", name: "two.txt", size: 2, contentType: "text/plain" },
      ]),
    );
  });

  it("read-only, names the held values from the references and links the files", async () => {
    const references = OPTIONS.filter((option) => [USER_ANN, UNIT_SALES, TICKET_1].includes(option.id));
    const { directory, search } = fakeDirectory({ references });
    renderForm({ directory, readOnly: true, data: { owner: USER_ANN, unit: UNIT_SALES, category: "laptop", related: [TICKET_1], files: [REPORT] } });
    const files = await control("files");
    await waitFor(() => expect(within(files).getByText("report.pdf").closest("a")?.getAttribute("href")).toBe("/files/blob-1"));
    expect(within(await control("owner")).getByText("Ann Lee")).toBeTruthy();
    expect(within(await control("unit")).getByText("Sales")).toBeTruthy();
    expect(within(await control("category")).getByText("Laptop")).toBeTruthy();
    expect(within(await control("related")).getByText("T-1 Broken laptop")).toBeTruthy();
    expect(within(files).queryByText("Upload")).toBeNull();
    expect(search).not.toHaveBeenCalled();
  });

  it("without a directory shows the held ids and adds no files", async () => {
    renderForm({ data: { owner: USER_ANN } });
    const files = await control("files");
    expect(within(files).getByText("No file")).toBeTruthy();
    expect(within(files).queryByText("Upload")).toBeNull();
    await waitFor(() => expect(within(screen.getByTestId("ticket-field-owner")).getByText(USER_ANN)).toBeTruthy());
  });

  it("a required picker fails the form's checks until chosen", async () => {
    const schema = { type: "default", components: [{ type: "hotline-user", key: "owner", label: "Owner", id: "Field_owner", validate: { required: true } }] };
    const form = renderForm({ schema, directory: fakeDirectory().directory });
    const owner = await control("owner");
    await waitFor(() => expect(form.changes.length).toBeGreaterThan(0));
    let valid = true;
    await act(async () => {
      valid = form.validate();
    });
    expect(valid).toBe(false);
    await waitFor(() => expect(screen.getByText("Field is required.")).toBeTruthy());
    await pick(owner, "Ann Lee");
    await waitFor(() => expect(form.last()?.owner).toBe(USER_ANN));
    await act(async () => {
      valid = form.validate();
    });
    expect(valid).toBe(true);
  });
});

const QUERY_SCHEMA = {
  type: "default",
  components: [
    { type: "hotline-query", key: "region", label: "Region", id: "Field_region", source: "dictionary", dictionary: "regions" },
    { type: "hotline-query", key: "customer", label: "Customer", id: "Field_customer", source: "customers", columns: ["phone", "city"], multiple: true },
  ],
};

const REGIONS: QueryOption[] = [
  { value: "sh", label: "Shanghai", details: [] },
  { value: "bj", label: "Beijing", details: [] },
];

const CUSTOMERS: QueryOption[] = [
  { value: "c-1", label: "Ann Lee", details: ["13800000001", "Shanghai"] },
  { value: "c-2", label: "Bob Wu", details: ["13800000002", ""] },
];

function queryDirectory(overrides: Partial<FieldDirectory> = {}) {
  const queryOptions = vi.fn(async (field: string, text: string) =>
    (field === "region" ? REGIONS : CUSTOMERS).filter((option) => option.label.toLowerCase().includes(text.toLowerCase())),
  );
  const { directory } = fakeDirectory({ queryOptions, ...overrides });
  return { directory, queryOptions };
}

describe("Query fields in the viewer", () => {
  it("search a dictionary field's options by its key and store the entry's code", async () => {
    const { directory, queryOptions } = queryDirectory();
    const form = renderForm({ schema: QUERY_SCHEMA, directory });
    const region = await control("region");
    await waitFor(() => expect(form.last()).toEqual({ region: null, customer: [] }));
    await openSelect(region);
    await waitFor(() => expect(queryOptions).toHaveBeenCalledWith("region", ""));
    fireEvent.change(within(region).getByRole("combobox"), { target: { value: "bei" } });
    await waitFor(() => expect(queryOptions).toHaveBeenCalledWith("region", "bei"));
    await pick(region, "Beijing");
    await waitFor(() => expect(form.last()?.region).toBe("bj"));
    expect(within(region).getByText("Beijing")).toBeTruthy();
  });

  it("show the held values' labels, a customer's columns in the options, and store an array when multiple", async () => {
    const queryLabels = [
      { field: "region", value: "sh", label: "Shanghai" },
      { field: "customer", value: "c-9", label: "Cleo Tan" },
      // Another field's label for the same value is not this one's.
      { field: "other", value: "c-1", label: "Wrong" },
    ];
    const { directory } = queryDirectory({ queryLabels });
    const form = renderForm({ schema: QUERY_SCHEMA, directory, data: { region: "sh", customer: ["c-9"] } });
    const customer = await control("customer");
    await waitFor(() => expect(within(customer).getByText("Cleo Tan")).toBeTruthy());
    expect(within(await control("region")).getByText("Shanghai")).toBeTruthy();
    const dropdown = await openSelect(customer);
    await waitFor(() => expect(within(dropdown).getByText("13800000001 · Shanghai")).toBeTruthy());
    expect(within(dropdown).getByText("13800000002")).toBeTruthy();
    await pick(customer, "Ann Lee");
    await waitFor(() => expect(form.last()?.customer).toEqual(["c-9", "c-1"]));
    expect(within(customer).getByText("Ann Lee")).toBeTruthy();
  });

  it("without queryOptions, only show what they hold: labels, else the raw value", async () => {
    const queryLabels = [{ field: "region", value: "sh", label: "Shanghai" }];
    const { directory } = fakeDirectory({ queryLabels });
    renderForm({ schema: QUERY_SCHEMA, directory, data: { region: "sh", customer: ["c-7"] } });
    const region = await control("region");
    await waitFor(() => expect(within(region).getByText("Shanghai")).toBeTruthy());
    expect(within(await control("customer")).getByText("c-7")).toBeTruthy();
    expect(region.classList.contains("ant-select-disabled")).toBe(true);
  });

  it("read-only, do not search", async () => {
    const { directory, queryOptions } = queryDirectory({ queryLabels: [{ field: "region", value: "sh", label: "Shanghai" }] });
    renderForm({ schema: QUERY_SCHEMA, directory, readOnly: true, data: { region: "sh" } });
    const region = await control("region");
    await waitFor(() => expect(within(region).getByText("Shanghai")).toBeTruthy());
    expect(queryOptions).not.toHaveBeenCalled();
  });
});
