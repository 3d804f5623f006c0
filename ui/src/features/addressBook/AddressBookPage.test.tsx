import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeGraphqlServer } from "../../test/fakeServer";
import { renderInShell } from "../customers/testing/shell";
import type { AddressBookEntry } from "./addressBook.graphql";
import { AddressBookPage } from "./AddressBookPage";

beforeEach(() => localStorage.setItem("hotline.locale", JSON.stringify("en")));
afterEach(() => vi.unstubAllGlobals());

const INTERNAL: AddressBookEntry[] = [
  { kind: "internal", id: "u1", name: "Ann Lee", phone: "8001", email: "ann@example.com", department: "Sales, East" },
  { kind: "internal", id: "u2", name: "Bob Stone", phone: null, email: null, department: null },
];
const EXTERNAL: AddressBookEntry[] = [{ kind: "external", id: "c1", name: "Vera \"V\" Visitor", phone: "+86 138 0013 8000", email: null, department: null }];

function server() {
  return fakeGraphqlServer({
    AddressBook: (variables) => {
      const rows = variables.kind === "external" ? EXTERNAL : INTERNAL;
      const search = typeof variables.search === "string" ? variables.search.toLowerCase() : "";
      return { data: { addressBook: rows.filter((row) => row.name.toLowerCase().includes(search)) } };
    },
  });
}

describe("the address book", () => {
  it("lists internal and external entries and searches on the server", async () => {
    const fake = server();
    renderInShell(<AddressBookPage />, ["menu.address_book"]);
    await waitFor(() => expect(screen.getAllByTestId("address-book-row")).toHaveLength(2));
    expect(within(screen.getAllByTestId("address-book-row")[0]!).getByText("Sales, East")).toBeTruthy();
    expect(screen.queryByTestId("address-book-export")).toBeNull();

    fireEvent.change(screen.getByTestId("address-book-search"), { target: { value: "bob" } });
    await waitFor(() => expect(screen.getAllByTestId("address-book-row")).toHaveLength(1));
    expect(fake.requests.at(-1)!.variables).toEqual({ kind: "internal", search: "bob", first: 100 });

    fireEvent.change(screen.getByTestId("address-book-search"), { target: { value: "" } });
    fireEvent.click(screen.getByRole("tab", { name: "External" }));
    await waitFor(() => expect(screen.getAllByTestId("address-book-row")[0]!.getAttribute("data-kind")).toBe("external"));
    expect(fake.requests.at(-1)!.variables).toMatchObject({ kind: "external" });
  });

  it("exports the rows shown as CSV with address_book.export", async () => {
    server();
    const blobs: Blob[] = [];
    // jsdom has no object URLs: a stand-in that keeps the blob.
    class UrlWithBlobs extends URL {
      static createObjectURL(blob: Blob) {
        blobs.push(blob);
        return "blob:address-book";
      }
      static revokeObjectURL() {}
    }
    vi.stubGlobal("URL", UrlWithBlobs);
    const clicks = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    renderInShell(<AddressBookPage />, ["menu.address_book", "address_book.export"]);
    await waitFor(() => expect(screen.getAllByTestId("address-book-row")).toHaveLength(2));
    fireEvent.click(screen.getByTestId("address-book-export"));
    expect(clicks).toHaveBeenCalledTimes(1);
    const bytes = await new Promise<ArrayBuffer>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as ArrayBuffer);
      reader.readAsArrayBuffer(blobs[0]!);
    });
    // The byte-order mark stays: Excel needs it to read UTF-8.
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text).toBe("\uFEFFName,Phone,Email,Department\r\nAnn Lee,8001,ann@example.com,\"Sales, East\"\r\nBob Stone,,,\r\n");
    clicks.mockRestore();
  });
});
