import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp } from "antd";
import { I18nProvider } from "../../../i18n";
import { openSelect, pick } from "../../customers/testing/select";
import { FormView, type FormViewApi } from "../FormView";
import type { FormValues } from "../tickets.graphql";
import type { FieldDirectory, FieldOption, FieldOptionKind, FileValue, QueryOption } from "./directory";

// The softphone's dial: `allowed` says whether the page's user may call.
const dial = vi.hoisted(() => ({ call: vi.fn<(number: string) => void>(), allowed: false }));
vi.mock("../../calls/dial", () => ({ useDial: () => (dial.allowed ? dial.call : null) }));

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

const WHITE_PAPER_SCHEMA = {
  type: "default",
  components: [
    { type: "hotline-month", key: "due", label: "Due month", id: "Field_due" },
    { type: "hotline-phone", key: "phone", label: "Callback number", id: "Field_phone" },
    { type: "hotline-richtext", key: "notes", label: "Notes", id: "Field_notes" },
    { type: "hotline-hidden", key: "tier", label: "Secret tier", id: "Field_tier", defaultValue: "vip" },
    { type: "hotline-approval", key: "review", label: "Review", id: "Field_review" },
  ],
};

const STAMPED = { decision: "approved", comment: "Refund it", by: USER_ANN, at: "2026-11-28T09:30:00Z" };

/** The Tiptap editor behind a rich text field's control, once it is loaded. */
async function richTextEditor(key: string) {
  const prose = await waitFor(() => {
    const found = screen.getByTestId(`ticket-field-${key}`).querySelector<HTMLElement & { editor?: { commands: { setContent: (html: string, options?: { emitUpdate?: boolean }) => boolean } } }>(".ProseMirror");
    if (!found?.editor) throw new Error("no editor yet");
    return found;
  });
  // Its commands act on the state they were read with: read them for each change.
  const setContent = (html: string) => prose.editor!.commands.setContent(html, { emitUpdate: true });
  return { prose, setContent };
}

describe("The white paper's fields in the viewer", () => {
  beforeEach(() => {
    dial.allowed = false;
    dial.call.mockClear();
  });

  it("start empty, the hidden one with the designer's value", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA });
    await control("review");
    await waitFor(() => expect(form.last()).toEqual({ due: null, phone: null, notes: null, tier: "vip", review: null }));
  });

  it("draw nothing at all for a hidden field, and keep and send its value", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA, data: { tier: "gold", due: "bad" } });
    await control("review");
    await waitFor(() => expect(form.last()).toMatchObject({ tier: "gold", due: null }));
    const view = screen.getByTestId("ticket-form-view");
    expect(within(view).queryByText("Secret tier")).toBeNull();
    expect(view.querySelector(".fjs-form-field-hotline-hidden")).toBeNull();
    expect(screen.queryByTestId("ticket-field-tier")).toBeNull();
    // No row is left for it either: each of the other four has its own.
    expect([...view.querySelectorAll(".fjs-layout-row")].filter((row) => row.childElementCount > 0)).toHaveLength(4);
    let valid = false;
    await act(async () => {
      valid = form.validate();
    });
    expect(valid).toBe(true);
  });

  it("pick a month and hold it as YYYY-MM", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA, data: { due: "2026-10" } });
    const due = await control("due");
    const input = (due.matches("input") ? due : due.querySelector("input")) as HTMLInputElement;
    expect(input.value).toBe("2026-10");
    await act(async () => {
      fireEvent.mouseDown(input);
      fireEvent.click(input);
    });
    const november = await waitFor(() => {
      const cell = document.querySelector<HTMLElement>('.ant-picker-dropdown td[title="2026-11"]');
      if (!cell) throw new Error("no month panel");
      return cell;
    });
    await act(async () => {
      fireEvent.click(november.querySelector(".ant-picker-cell-inner") ?? november);
    });
    await waitFor(() => expect(form.last()?.due).toBe("2026-11"));
    expect(input.value).toBe("2026-11");
  });

  it("take a typed phone number, and on leaving say what is wrong with one that is not", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA });
    const phone = (await control("phone")) as HTMLInputElement;
    expect(phone.type).toBe("tel");
    fireEvent.change(phone, { target: { value: "021-5550 1234" } });
    await waitFor(() => expect(form.last()?.phone).toBe("021-5550 1234"));

    // While typed, not a number yet: no error until the input is left.
    fireEvent.change(phone, { target: { value: "12" } });
    expect(screen.queryByText(/A phone number:/)).toBeNull();
    await act(async () => {
      fireEvent.blur(phone);
    });
    await waitFor(() => expect(form.last()?.phone).toBe("12"));
    expect(await screen.findByText("A phone number: 3 to 20 digits, + only first, spaces, -, . and ( ) allowed")).toBeTruthy();
    let valid = true;
    await act(async () => {
      valid = form.validate();
    });
    expect(valid).toBe(false);

    fireEvent.change(phone, { target: { value: "+86 138 0013 8000" } });
    await waitFor(() => expect(form.last()?.phone).toBe("+86 138 0013 8000"));
    await waitFor(() => expect(screen.queryByText(/A phone number:/)).toBeNull());
    fireEvent.change(phone, { target: { value: "" } });
    await waitFor(() => expect(form.last()?.phone).toBeNull());
    expect(screen.queryByTestId("ticket-field-phone-call")).toBeNull();
  });

  it("call a valid phone number through the softphone, read-only too, for users who may", async () => {
    dial.allowed = true;
    renderForm({ schema: WHITE_PAPER_SCHEMA, readOnly: true, data: { phone: "021-5550 1234" } });
    await waitFor(() => expect((screen.getByTestId("ticket-field-phone") as HTMLInputElement).disabled).toBe(true));
    const call = screen.getByTestId("ticket-field-phone-call");
    expect(call.textContent).toBe("Call");
    fireEvent.click(call);
    expect(dial.call).toHaveBeenCalledWith("021-5550 1234");
  });

  it("offer no Call button without the softphone", async () => {
    renderForm({ schema: WHITE_PAPER_SCHEMA, data: { phone: "021-5550 1234" } });
    const phone = (await control("phone")) as HTMLInputElement;
    await waitFor(() => expect(phone.value).toBe("021-5550 1234"));
    expect(screen.queryByTestId("ticket-field-phone-call")).toBeNull();
  });

  it("offer the Call button once the number typed is one", async () => {
    dial.allowed = true;
    renderForm({ schema: WHITE_PAPER_SCHEMA, data: { phone: "abc" } });
    const phone = (await control("phone")) as HTMLInputElement;
    await waitFor(() => expect(phone.value).toBe("abc"));
    expect(screen.queryByTestId("ticket-field-phone-call")).toBeNull();
    fireEvent.change(phone, { target: { value: "110" } });
    fireEvent.click(await screen.findByTestId("ticket-field-phone-call"));
    expect(dial.call).toHaveBeenCalledWith("110");
  });

  it("edit rich text as HTML, null when emptied, with an error beyond the server's length", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA });
    const notes = await control("notes");
    const { prose, setContent } = await richTextEditor("notes");
    expect(within(notes).getByRole("toolbar")).toBeTruthy();
    expect(within(notes).getByLabelText("Bold")).toBeTruthy();
    expect(within(notes).getByLabelText("Numbered list")).toBeTruthy();
    expect(prose.getAttribute("contenteditable")).toBe("true");
    await act(async () => {
      setContent("<p>Customer <strong>angry</strong></p>");
    });
    await waitFor(() => expect(form.last()?.notes).toBe("<p>Customer <strong>angry</strong></p>"));
    await act(async () => {
      setContent(`<p>${"a".repeat(20_000)}</p>`);
    });
    expect(await screen.findByText("At most 20000 characters of formatted text")).toBeTruthy();
    await act(async () => {
      setContent("");
    });
    await waitFor(() => expect(form.last()?.notes).toBeNull());
    await waitFor(() => expect(screen.queryByText("At most 20000 characters of formatted text")).toBeNull());
  });

  it("show rich text read-only through the editor, without its toolbar", async () => {
    renderForm({ schema: WHITE_PAPER_SCHEMA, readOnly: true, data: { notes: "<p>Customer <strong>angry</strong></p><img src=x onerror=alert(1)>" } });
    const notes = await control("notes");
    const { prose } = await richTextEditor("notes");
    await waitFor(() => expect(prose.getAttribute("contenteditable")).toBe("false"));
    expect(prose.querySelector("strong")?.textContent).toBe("angry");
    expect(within(notes).queryByRole("toolbar")).toBeNull();
    // Only what the editor's schema knows is drawn.
    expect(notes.querySelector("img")).toBeNull();
  });

  it("decide an approval: the decision and the opinion, written before or after it", async () => {
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA });
    await control("review");
    const comment = (await screen.findByTestId("ticket-field-review-comment")) as HTMLTextAreaElement;
    expect(comment.placeholder).toBe("Opinion");
    fireEvent.change(comment, { target: { value: "Looks" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("ticket-field-review-approve"));
    });
    await waitFor(() => expect(form.last()?.review).toEqual({ decision: "approved", comment: "Looks" }));
    fireEvent.change(comment, { target: { value: "Looks wrong" } });
    await waitFor(() => expect(form.last()?.review).toEqual({ decision: "approved", comment: "Looks wrong" }));
    await act(async () => {
      fireEvent.click(screen.getByTestId("ticket-field-review-reject"));
    });
    await waitFor(() => expect(form.last()?.review).toEqual({ decision: "rejected", comment: "Looks wrong" }));
  });

  it("send a stamped approval back as held until it is changed, then without the stamp", async () => {
    const references = OPTIONS.filter((option) => option.id === USER_ANN);
    const form = renderForm({ schema: WHITE_PAPER_SCHEMA, directory: fakeDirectory({ references }).directory, data: { review: STAMPED } });
    const review = await control("review");
    await waitFor(() => expect(form.last()?.review).toEqual(STAMPED));
    expect(within(review).getByText(/^Approved by Ann Lee, /)).toBeTruthy();
    fireEvent.change(screen.getByTestId("ticket-field-review-comment"), { target: { value: "Refund it now" } });
    await waitFor(() => expect(form.last()?.review).toEqual({ decision: "approved", comment: "Refund it now" }));
    expect(within(review).queryByText(/Approved by/)).toBeNull();
  });

  it("read-only, show the decision as a tag, the opinion and who decided when", async () => {
    const references = OPTIONS.filter((option) => option.id === USER_ANN);
    renderForm({ schema: WHITE_PAPER_SCHEMA, directory: fakeDirectory({ references }).directory, readOnly: true, data: { review: STAMPED } });
    // The form turns read-only once imported: the decision's tag says it has.
    const tag = await screen.findByTestId("ticket-field-review-decision");
    const review = screen.getByTestId("ticket-field-review");
    expect(tag.textContent).toBe("Approved");
    expect(tag.className).toContain("green");
    expect(within(review).getByText("Refund it")).toBeTruthy();
    const time = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" }).format(new Date(STAMPED.at));
    expect(within(review).getByText(`Approved by Ann Lee, ${time}`)).toBeTruthy();
    expect(screen.queryByTestId("ticket-field-review-approve")).toBeNull();
  });

  it("read-only, name an outside collaborator's rejection by address, and an undecided one as such", async () => {
    const rejected = { decision: "rejected", comment: "", collaborator: "eve@example.com", at: "2026-11-28T09:30:00Z" };
    const schema = { type: "default", components: [...WHITE_PAPER_SCHEMA.components, { type: "hotline-approval", key: "second", label: "Second", id: "Field_second" }] };
    renderForm({ schema, readOnly: true, data: { review: rejected } });
    const tag = await screen.findByTestId("ticket-field-review-decision");
    const review = screen.getByTestId("ticket-field-review");
    expect(tag.textContent).toBe("Rejected");
    expect(tag.className).toContain("red");
    expect(within(review).getByText(/^Rejected by eve@example\.com, /)).toBeTruthy();
    expect(within(await control("second")).getByText("Not decided yet")).toBeTruthy();
  });
});
