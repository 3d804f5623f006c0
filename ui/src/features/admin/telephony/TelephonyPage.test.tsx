import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../../../app/App";
import "../../../features";
import { hasMessage, translate } from "../../../i18n";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { type Answers, type MenuEntry, menuFor, shellAnswers, signedInAt } from "../../../test/shell";
import { MUSIC_UPLOAD_PATH } from "./music";
import type { AccessNumber, Extension, MusicFile, TelephonyChoicesData, Trunk } from "./telephony.graphql";

// These render the whole shell and walk antd tables, modals and forms in jsdom: on a loaded
// 2-core machine one may take over the default 30 s, so they get more room before timing out.
vi.setConfig({ testTimeout: 90_000 });

const ADMIN_MENU: MenuEntry = {
  key: "menu.admin",
  titleKey: "menu.admin",
  path: "/admin",
  icon: "setting",
  children: [
    { key: "menu.admin.settings", titleKey: "menu.admin.settings", path: "/admin/settings", icon: "control", children: [] },
    { key: "menu.admin.telephony", titleKey: "menu.admin.telephony", path: "/admin/telephony", icon: "customer-service", children: [] },
  ],
};

const extension = (id: string, number: string, overrides: Partial<Extension> = {}): Extension => ({
  id,
  number,
  displayName: `Desk ${number}`,
  userId: null,
  enabled: true,
  createdAt: "2026-11-01T10:00:00Z",
  ...overrides,
});

const EXTENSIONS = [extension("e1", "1001", { displayName: "Ann's desk", userId: "u-ann" }), extension("e2", "1002", { enabled: false })];

const TRUNKS: Trunk[] = [
  {
    id: "t1",
    name: "Carrier A",
    peers: ["198.51.100.10", "203.0.113.0/24"],
    outboundAddress: "sip.carrier-a.example:5060",
    registration: {
      registrar: "sip.carrier-a.example",
      username: "acme",
      status: { state: "FAILED", detail: "403 Forbidden", since: "2026-11-27T09:00:00Z", expiresAt: null },
    },
  },
  { id: "t2", name: "Carrier B", peers: ["192.0.2.7"], outboundAddress: null, registration: null },
];

const ACCESS_NUMBERS: AccessNumber[] = [
  { number: "4008001234", queueId: "q1", trunkId: "t1", description: "Sales hotline" },
  { number: "+862155550000", queueId: "q2", trunkId: null, description: "" },
];

const CHOICES: TelephonyChoicesData = {
  acdQueues: [
    { id: "q1", name: "Sales" },
    { id: "q2", name: "Support" },
  ],
  acdAgents: [
    { agentId: "u-ann", name: "Ann Lee", username: "ann" },
    { agentId: "u-bob", name: "Bob Wu", username: "bob" },
  ],
};

const music = (id: string, name: string, durationMs: number, queueIds: string[]): MusicFile => ({
  id,
  name,
  durationMs,
  addedAt: "2026-11-03T08:00:00Z",
  queueIds,
  url: `/api/telephony/music/${id}`,
});

const MUSIC: MusicFile[] = [music("m1", "Hold jazz", 125_250, ["q1"]), music("m2", "Rain", 59_600, [])];

function answers(permissions: string[], extra: Answers = {}): Answers {
  return {
    ...shellAnswers(permissions, [menuFor(ADMIN_MENU, permissions)]),
    Telephony: { data: { extensions: EXTENSIONS, trunks: TRUNKS, accessNumbers: ACCESS_NUMBERS } },
    TelephonyChoices: { data: CHOICES },
    MusicFiles: { data: { musicFiles: MUSIC } },
    ...extra,
  };
}

const PERMISSIONS = ["menu.admin", "menu.admin.settings", "menu.admin.telephony", "telephony.admin"];
const VIEWER = ["menu.admin", "menu.admin.settings", "menu.admin.telephony"];

const rowOf = async (testId: string, attribute: string, value: string) =>
  // The first render loads the page's chunk and antd's table: slow on a busy machine.
  (await screen.findAllByTestId(testId, {}, { timeout: 15_000 })).find((candidate) => candidate.getAttribute(attribute) === value)!;
const extensionRow = (id: string) => rowOf("telephony-extension-row", "data-extension-id", id);

/** Picks an option of an antd Select by its text. */
async function choose(label: string, option: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  const options = await screen.findAllByText(option, { selector: ".ant-select-item-option-content" });
  fireEvent.click(options[options.length - 1]!);
}

/** The English text of an error code as the page shows it: ours, else the server's message. */
const errorShown = (code: string, serverMessage: string) => (hasMessage(`error.${code}`) ? translate("en", `error.${code}`) : serverMessage);

signedInAt("/admin/telephony");

describe("the telephony page", () => {
  it("lists extensions with their user and SIP settings, trunks and access numbers", async () => {
    fakeGraphqlServer(answers(PERMISSIONS));
    render(<App />);
    const ann = await extensionRow("e1");
    expect(within(ann).getByText("1001")).toBeTruthy();
    expect(within(ann).getByText("Ann's desk")).toBeTruthy();
    expect(within(ann).getByText("Ann Lee")).toBeTruthy();
    expect(within(ann).getByText(`SIP server: ${window.location.hostname}:5060, user: 1001, domain: demo`)).toBeTruthy();
    expect(within(ann).getByText("Enabled")).toBeTruthy();
    const other = await extensionRow("e2");
    expect(within(other).getByText("No user")).toBeTruthy();
    expect(within(other).getByText("Disabled")).toBeTruthy();
    expect(screen.getAllByText("Telephony").length).toBeGreaterThan(0);

    fireEvent.click(screen.getByRole("tab", { name: "Trunks" }));
    const carrierA = await rowOf("telephony-trunk-row", "data-trunk-id", "t1");
    expect(within(carrierA).getByText("203.0.113.0/24")).toBeTruthy();
    expect(within(carrierA).getByText("sip.carrier-a.example:5060")).toBeTruthy();
    expect(within(carrierA).getByText("acme@sip.carrier-a.example")).toBeTruthy();
    // The carrier refused the registration: the state, with the carrier's answer on hover.
    expect(within(carrierA).getByTestId("trunk-registration-state").textContent).toBe("Failed");
    expect(within(await rowOf("telephony-trunk-row", "data-trunk-id", "t2")).getByText("None")).toBeTruthy();

    fireEvent.click(screen.getByRole("tab", { name: "Access numbers" }));
    const sales = await rowOf("telephony-access-number-row", "data-number", "4008001234");
    expect(within(sales).getByText("Sales")).toBeTruthy();
    expect(within(sales).getByText("Carrier A")).toBeTruthy();
    expect(within(sales).getByText("Sales hotline")).toBeTruthy();
    const support = await rowOf("telephony-access-number-row", "data-number", "+862155550000");
    expect(within(support).getByText("Support")).toBeTruthy();
    expect(within(support).getByText("Any trunk")).toBeTruthy();
  });

  it("provisions an extension and shows its password once, with the phone's settings", async () => {
    const provisioned: unknown[] = [];
    const { requests } = fakeGraphqlServer(
      answers(PERMISSIONS, {
        ProvisionExtension: (variables) => {
          provisioned.push(variables.input);
          return { data: { provisionExtension: { extension: extension("e3", "1003", { displayName: "Bob", userId: "u-bob" }), password: "Zq8-secret-pw" } } };
        },
      }),
    );
    render(<App />);
    await extensionRow("e1");
    fireEvent.click(screen.getByTestId("telephony-provision"));
    fireEvent.change(await screen.findByTestId("telephony-extension-number"), { target: { value: "1x" } });
    fireEvent.click(screen.getByTestId("telephony-extension-save"));
    expect(await screen.findByText("An extension number is 2 to 8 digits")).toBeTruthy();
    expect(await screen.findByText("Required")).toBeTruthy();
    expect(provisioned).toEqual([]);

    fireEvent.change(screen.getByTestId("telephony-extension-number"), { target: { value: " 1003 " } });
    fireEvent.change(screen.getByTestId("telephony-extension-display-name"), { target: { value: "Bob" } });
    await choose("User", "Bob Wu (bob)");
    fireEvent.click(screen.getByTestId("telephony-extension-save"));
    await waitFor(() => expect(provisioned).toEqual([{ number: "1003", displayName: "Bob", userId: "u-bob" }]));

    expect(await screen.findByText("Copy this password now: it is shown only this once.")).toBeTruthy();
    expect(screen.getByTestId("telephony-password").textContent).toContain("Zq8-secret-pw");
    expect(screen.getByTestId("telephony-sip-settings").textContent).toBe(`SIP server: ${window.location.hostname}:5060, user: 1003, domain: demo`);
    fireEvent.click(screen.getByTestId("telephony-password-done"));
    await waitFor(() => expect(screen.queryByText("Zq8-secret-pw")).toBeNull());
    // The list is read again after the save.
    expect(requests.filter((request) => request.operation === "Telephony").length).toBeGreaterThanOrEqual(2);
  });

  it("changes an extension, rotates its password and removes it only after a confirmation", async () => {
    const calls: [string, unknown][] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        UpdateExtension: (variables) => {
          calls.push(["update", variables]);
          return { data: { updateExtension: extension("e1", "1001", { displayName: "Front desk", enabled: false }) } };
        },
        RotateExtensionPassword: (variables) => {
          calls.push(["rotate", variables]);
          return { data: { rotateExtensionPassword: { extension: EXTENSIONS[0], password: "new-pw-42" } } };
        },
        RemoveExtension: (variables) => {
          calls.push(["remove", variables]);
          return { data: { removeExtension: true } };
        },
      }),
    );
    render(<App />);
    fireEvent.click(within(await extensionRow("e1")).getByTestId("telephony-extension-edit"));
    const name = (await screen.findByTestId("telephony-extension-display-name")) as HTMLInputElement;
    await waitFor(() => expect(name.value).toBe("Ann's desk"));
    expect((screen.getByTestId("telephony-extension-number") as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: "Front desk" } });
    fireEvent.click(screen.getByTestId("telephony-extension-enabled"));
    fireEvent.click(screen.getByTestId("telephony-extension-save"));
    await waitFor(() =>
      expect(calls).toEqual([["update", { id: "e1", input: { displayName: "Front desk", userId: "u-ann", enabled: false } }]]),
    );
    expect(await screen.findByText("Extension 1001 saved")).toBeTruthy();

    fireEvent.click(within(await extensionRow("e1")).getByTestId("telephony-extension-rotate"));
    expect(await screen.findByText(/The current password stops working at once/)).toBeTruthy();
    expect(calls).toHaveLength(1);
    fireEvent.click(screen.getByTestId("telephony-extension-rotate-confirm"));
    await waitFor(() => expect(calls[1]).toEqual(["rotate", { id: "e1" }]));
    expect((await screen.findByTestId("telephony-password")).textContent).toContain("new-pw-42");
    fireEvent.click(screen.getByTestId("telephony-password-done"));

    fireEvent.click(within(await extensionRow("e2")).getByTestId("telephony-extension-remove"));
    expect(await screen.findByText(/A phone on 1002 can no longer register or call/)).toBeTruthy();
    expect(calls).toHaveLength(2);
    fireEvent.click(screen.getByTestId("telephony-extension-remove-confirm"));
    await waitFor(() => expect(calls[2]).toEqual(["remove", { id: "e2" }]));
  });

  it("defines a trunk with a registration and keeps the password when editing leaves it empty", async () => {
    const inputs: unknown[] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        DefineTrunk: (variables) => {
          inputs.push(["define", variables]);
          return { data: { defineTrunk: { ...TRUNKS[1]!, id: "t3", name: "Carrier C" } } };
        },
        UpdateTrunk: (variables) => {
          inputs.push(["update", variables]);
          return { data: { updateTrunk: TRUNKS[0] } };
        },
      }),
    );
    render(<App />);
    await extensionRow("e1");
    fireEvent.click(screen.getByRole("tab", { name: "Trunks" }));
    fireEvent.click(await screen.findByTestId("telephony-trunk-define"));
    fireEvent.change(await screen.findByTestId("telephony-trunk-name"), { target: { value: "Carrier C" } });
    fireEvent.change(screen.getByTestId("telephony-trunk-peers"), { target: { value: "198.51.100.20\ngw.carrier-c.example" } });
    fireEvent.click(screen.getByTestId("telephony-trunk-save"));
    expect(await screen.findByText("gw.carrier-c.example is not an IP address or CIDR network (host names are not accepted)")).toBeTruthy();

    fireEvent.change(screen.getByTestId("telephony-trunk-peers"), { target: { value: "198.51.100.20\n\n198.51.100.0/28\n" } });
    fireEvent.click(screen.getByTestId("telephony-trunk-registers"));
    fireEvent.change(await screen.findByTestId("telephony-trunk-registrar"), { target: { value: "sip.carrier-c.example" } });
    fireEvent.change(screen.getByTestId("telephony-trunk-username"), { target: { value: "acme" } });
    fireEvent.change(screen.getByTestId("telephony-trunk-password"), { target: { value: "carrier-pw" } });
    fireEvent.click(screen.getByTestId("telephony-trunk-save"));
    await waitFor(() =>
      expect(inputs).toEqual([
        [
          "define",
          {
            input: {
              name: "Carrier C",
              peers: ["198.51.100.20", "198.51.100.0/28"],
              outboundAddress: null,
              registration: { registrar: "sip.carrier-c.example", username: "acme", password: "carrier-pw" },
            },
          },
        ],
      ]),
    );
    expect(await screen.findByText("Trunk Carrier C defined")).toBeTruthy();

    fireEvent.click(within(await rowOf("telephony-trunk-row", "data-trunk-id", "t1")).getByTestId("telephony-trunk-edit"));
    await waitFor(() => expect((screen.getByTestId("telephony-trunk-name") as HTMLInputElement).value).toBe("Carrier A"));
    expect(screen.getByText("Leave empty to keep the current password.")).toBeTruthy();
    fireEvent.click(screen.getByTestId("telephony-trunk-save"));
    await waitFor(() => expect(inputs).toHaveLength(2));
    expect(inputs[1]).toEqual([
      "update",
      {
        id: "t1",
        input: {
          name: "Carrier A",
          peers: ["198.51.100.10", "203.0.113.0/24"],
          outboundAddress: "sip.carrier-a.example:5060",
          registration: { registrar: "sip.carrier-a.example", username: "acme", password: null },
        },
      },
    ]);
  });

  it("assigns an access number to a queue and releases one after a confirmation", async () => {
    const calls: unknown[] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        AssignAccessNumber: (variables) => {
          calls.push(["assign", variables]);
          return { data: { assignAccessNumber: { number: "4008009999", queueId: "q2", trunkId: "t2", description: "Support line" } } };
        },
        ReleaseAccessNumber: (variables) => {
          calls.push(["release", variables]);
          return { data: { releaseAccessNumber: true } };
        },
      }),
    );
    render(<App />);
    await extensionRow("e1");
    fireEvent.click(screen.getByRole("tab", { name: "Access numbers" }));
    fireEvent.click(await screen.findByTestId("telephony-access-number-assign"));
    fireEvent.change(await screen.findByTestId("telephony-access-number-number"), { target: { value: "4008009999" } });
    await choose("Queue", "Support");
    await choose("Trunk", "Carrier B");
    fireEvent.change(screen.getByTestId("telephony-access-number-description"), { target: { value: "Support line" } });
    fireEvent.click(screen.getByTestId("telephony-access-number-save"));
    await waitFor(() =>
      expect(calls).toEqual([["assign", { input: { number: "4008009999", queueId: "q2", trunkId: "t2", description: "Support line" } }]]),
    );
    expect(await screen.findByText("4008009999 now leads to Support")).toBeTruthy();

    fireEvent.click(within(await rowOf("telephony-access-number-row", "data-number", "4008001234")).getByTestId("telephony-access-number-release"));
    expect(await screen.findByText("Calls to 4008001234 no longer reach a queue.")).toBeTruthy();
    expect(calls).toHaveLength(1);
    fireEvent.click(screen.getByTestId("telephony-access-number-release-confirm"));
    await waitFor(() => expect(calls[1]).toEqual(["release", { number: "4008001234" }]));
  });

  it("shows no buttons that change anything without telephony.admin", async () => {
    fakeGraphqlServer(answers(VIEWER));
    render(<App />);
    const ann = await extensionRow("e1");
    expect(within(ann).getByText("Ann Lee")).toBeTruthy();
    expect(screen.queryByTestId("telephony-provision")).toBeNull();
    expect(screen.queryByTestId("telephony-extension-edit")).toBeNull();
    expect(screen.queryByTestId("telephony-extension-rotate")).toBeNull();
    expect(screen.queryByTestId("telephony-extension-remove")).toBeNull();

    fireEvent.click(screen.getByRole("tab", { name: "Trunks" }));
    await rowOf("telephony-trunk-row", "data-trunk-id", "t1");
    expect(screen.queryByTestId("telephony-trunk-define")).toBeNull();
    expect(screen.queryByTestId("telephony-trunk-edit")).toBeNull();
    expect(screen.queryByTestId("telephony-trunk-remove")).toBeNull();

    fireEvent.click(screen.getByRole("tab", { name: "Access numbers" }));
    await rowOf("telephony-access-number-row", "data-number", "4008001234");
    expect(screen.queryByTestId("telephony-access-number-assign")).toBeNull();
    expect(screen.queryByTestId("telephony-access-number-release")).toBeNull();
  });

  it("shows the server's refusals in the user's language", async () => {
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        ProvisionExtension: graphqlError("telephony.extension_number_taken", "number taken"),
        RemoveTrunk: graphqlError("telephony.trunk_in_use", "trunk in use"),
        TelephonyChoices: graphqlError("auth.forbidden"),
      }),
    );
    render(<App />);
    // Without the routing administration, users and queues show as short ids.
    const ann = await extensionRow("e1");
    expect(within(ann).getByText("u-ann")).toBeTruthy();
    expect(await screen.findByTestId("telephony-choices-error")).toBeTruthy();
    expect(screen.getByText("You do not have permission to do this.")).toBeTruthy();

    fireEvent.click(screen.getByTestId("telephony-provision"));
    fireEvent.change(await screen.findByTestId("telephony-extension-number"), { target: { value: "1001" } });
    fireEvent.change(screen.getByTestId("telephony-extension-display-name"), { target: { value: "Again" } });
    fireEvent.click(screen.getByTestId("telephony-extension-save"));
    expect(await screen.findByText(errorShown("telephony.extension_number_taken", "number taken"))).toBeTruthy();
    expect(screen.queryByTestId("telephony-password")).toBeNull();
    fireEvent.click(screen.getByText("Cancel"));

    fireEvent.click(screen.getByRole("tab", { name: "Trunks" }));
    fireEvent.click(within(await rowOf("telephony-trunk-row", "data-trunk-id", "t1")).getByTestId("telephony-trunk-remove"));
    fireEvent.click(await screen.findByTestId("telephony-trunk-remove-confirm"));
    expect(await screen.findByText(errorShown("telephony.trunk_in_use", "trunk in use"))).toBeTruthy();
  });

  it("says so when the lists cannot be read", async () => {
    fakeGraphqlServer(answers(PERMISSIONS, { Telephony: graphqlError("auth.forbidden") }));
    render(<App />);
    expect(await screen.findByText("You do not have permission to do this.", {}, { timeout: 15_000 })).toBeTruthy();
  });
});

/** Answers the music routes (playback) with `respond`, everything else from the fake GraphQL server. */
function musicRoutes(graphql: ReturnType<typeof fakeGraphqlServer>, respond: (url: string, init: RequestInit) => Response) {
  const seen: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      if (url.startsWith(MUSIC_UPLOAD_PATH)) {
        seen.push({ url, init });
        return respond(url, init);
      }
      return graphql.fetchMock(url, init);
    }),
  );
  return seen;
}

const musicRow = (id: string) => rowOf("telephony-music-row", "data-music-id", id);
const queueRow = (id: string) => rowOf("telephony-queue-music-row", "data-queue-id", id);

async function openMusicTab() {
  await extensionRow("e1");
  fireEvent.click(screen.getByRole("tab", { name: "Music on hold" }));
}

// Changing the music is tested on the tab alone (MusicTab.test.tsx): quicker than the whole app.
describe("the telephony page's music on hold tab", () => {
  const created = vi.fn(() => "blob:music");
  const revoked = vi.fn();
  const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
  beforeEach(() => {
    URL.createObjectURL = created;
    URL.revokeObjectURL = revoked;
  });
  afterEach(() => {
    // Unmounted first: the player lets its Blob URL go.
    cleanup();
    URL.createObjectURL = original.create;
    URL.revokeObjectURL = original.revoke;
  });

  it("lists the music files with their length and queues, and plays one fetched with the session", async () => {
    const server = fakeGraphqlServer(answers(PERMISSIONS));
    const seen = musicRoutes(server, () => new Response(new Blob(["RIFF"], { type: "audio/wav" }), { status: 200, headers: { "content-type": "audio/wav" } }));
    render(<App />);
    await openMusicTab();
    const jazz = await musicRow("m1");
    expect(within(jazz).getByText("Hold jazz")).toBeTruthy();
    expect(within(jazz).getByTestId("telephony-music-length").textContent).toBe("2:05");
    expect(within(jazz).getByText("Sales")).toBeTruthy();
    const rain = await musicRow("m2");
    expect(within(rain).getByTestId("telephony-music-length").textContent).toBe("1:00");
    expect(within(rain).getByText("No queue")).toBeTruthy();
    expect(screen.getByText(/16-bit PCM or G\.711/)).toBeTruthy();

    // Each queue shows what it plays: a file, or the chime when no file names it.
    expect(within(await queueRow("q1")).getByText("Hold jazz (2:05)")).toBeTruthy();
    expect(within(await queueRow("q2")).getByText("Built-in chime")).toBeTruthy();

    fireEvent.click(within(jazz).getByTestId("telephony-music-play"));
    const audio = (await within(jazz).findByTestId("telephony-music-audio")) as HTMLAudioElement;
    expect(audio.getAttribute("src")).toBe("blob:music");
    expect(seen.map(({ url, init }) => [url, init.method, (init.headers as Record<string, string>).authorization])).toEqual([
      ["/api/telephony/music/m1", "GET", "Bearer t"],
    ]);
  });

  it("still lists the files when the queues cannot be read, without the queues' music", async () => {
    fakeGraphqlServer(answers(PERMISSIONS, { TelephonyChoices: graphqlError("auth.forbidden") }));
    render(<App />);
    await openMusicTab();
    const jazz = await musicRow("m1");
    // The queue it plays on shows as a short id.
    expect(within(jazz).getByText("q1")).toBeTruthy();
    expect(await screen.findByTestId("telephony-queue-music-unavailable")).toBeTruthy();
    expect(screen.queryByTestId("telephony-queue-music")).toBeNull();
    expect(screen.queryAllByTestId("telephony-queue-music-row")).toEqual([]);
  });

  it("says so when the files cannot be read", async () => {
    fakeGraphqlServer(answers(PERMISSIONS, { MusicFiles: graphqlError("auth.forbidden") }));
    render(<App />);
    await openMusicTab();
    expect((await screen.findByTestId("telephony-music-error")).textContent).toBe("You do not have permission to do this.");
  });
});
