/** The music on hold tab on its own (the page's wiring is in TelephonyPage.test.tsx): setting
 * a queue's music, removing a file, uploading one, and what viewers see. */
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setSession } from "../../../api/session";
import { I18nProvider, translate } from "../../../i18n";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { MUSIC_UPLOAD_PATH } from "./music";
import { MusicTab } from "./MusicTab";
import type { MusicFile } from "./telephony.graphql";

const music = (id: string, name: string, durationMs: number, queueIds: string[]): MusicFile => ({
  id,
  name,
  durationMs,
  addedAt: "2026-11-03T08:00:00Z",
  queueIds,
  url: `/api/telephony/music/${id}`,
});

const MUSIC: MusicFile[] = [music("m1", "Hold jazz", 125_250, ["q1"]), music("m2", "Rain", 59_600, [])];
const QUEUES = [
  { id: "q1", name: "Sales" },
  { id: "q2", name: "Support" },
];

function renderTab(props: Partial<Parameters<typeof MusicTab>[0]> = {}) {
  const onChanged = vi.fn();
  render(
    <I18nProvider>
      <ConfigProvider>
        <AntApp>
          <MusicTab
            musicFiles={MUSIC}
            queues={QUEUES}
            loading={false}
            queuesLoading={false}
            error={undefined}
            canAdmin
            onChanged={onChanged}
            {...props}
          />
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
  return onChanged;
}

const rowOf = async (testId: string, attribute: string, value: string) =>
  (await screen.findAllByTestId(testId, {}, { timeout: 10_000 })).find((candidate) => candidate.getAttribute(attribute) === value)!;
const musicRow = (id: string) => rowOf("telephony-music-row", "data-music-id", id);
const queueRow = (id: string) => rowOf("telephony-queue-music-row", "data-queue-id", id);

/** Picks an option of an antd Select by its text. */
async function choose(label: string, option: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  const options = await screen.findAllByText(option, { selector: ".ant-select-item-option-content" });
  fireEvent.click(options[options.length - 1]!);
}

beforeEach(() => {
  localStorage.setItem("hotline.locale", JSON.stringify("en"));
  setSession({ token: "t", tenantId: "t1", userId: "u1", username: "ann", permissions: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
});

afterEach(() => {
  setSession(null);
  vi.unstubAllGlobals();
});

describe("the music on hold tab", () => {
  it("sets a queue's music, and the built-in chime as a null music id, asking for the files again after each", async () => {
    const calls: unknown[] = [];
    fakeGraphqlServer({
      SetQueueMusic: (variables) => {
        calls.push(variables);
        return { data: { setQueueMusic: true } };
      },
    });
    const onChanged = renderTab();
    expect(within(await queueRow("q1")).getByText("Hold jazz (2:05)")).toBeTruthy();
    expect(within(await queueRow("q2")).getByText("Built-in chime")).toBeTruthy();

    await choose("Music of Support", "Rain (1:00)");
    await waitFor(() => expect(calls).toEqual([{ queueId: "q2", musicId: "m2" }]));
    expect(await screen.findByText("Support now plays Rain")).toBeTruthy();
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));

    await choose("Music of Sales", "Built-in chime");
    await waitFor(() => expect(calls).toEqual([{ queueId: "q2", musicId: "m2" }, { queueId: "q1", musicId: null }]));
    expect(await screen.findByText("Sales now plays Built-in chime")).toBeTruthy();
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(2));
  });

  it("removes a file only after a confirmation, and shows why the server refuses", async () => {
    const calls: unknown[] = [];
    fakeGraphqlServer({
      RemoveMusic: (variables) => {
        calls.push(variables);
        return variables.id === "m1" ? graphqlError("telephony.music_in_use", "a queue plays it") : { data: { removeMusic: true } };
      },
    });
    const onChanged = renderTab();
    fireEvent.click(within(await musicRow("m1")).getByTestId("telephony-music-remove"));
    expect(await screen.findByText("Remove Hold jazz?")).toBeTruthy();
    expect(calls).toEqual([]);
    fireEvent.click(screen.getByTestId("telephony-music-remove-confirm"));
    await waitFor(() => expect(calls).toEqual([{ id: "m1" }]));
    expect(await screen.findByText(translate("en", "error.telephony.music_in_use"))).toBeTruthy();

    fireEvent.click(within(await musicRow("m2")).getByTestId("telephony-music-remove"));
    const confirms = await screen.findAllByTestId("telephony-music-remove-confirm");
    fireEvent.click(confirms[confirms.length - 1]!);
    await waitFor(() => expect(calls).toEqual([{ id: "m1" }, { id: "m2" }]));
    expect(await screen.findByText("Rain removed")).toBeTruthy();
    expect(onChanged).toHaveBeenCalledTimes(2);
  });

  it("uploads a WAV file as the request body, and shows a refusal in the user's language", async () => {
    const graphql = fakeGraphqlServer({});
    const uploads: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (url !== MUSIC_UPLOAD_PATH) return graphql.fetchMock(url, init);
      uploads.push({ url, init });
      const name = decodeURIComponent((init.headers as Record<string, string>)["x-file-name"]!);
      if (name === "beep.wav") {
        return new Response(JSON.stringify({ type: "about:blank", status: 422, detail: "0.2 s", code: "telephony.invalid_music_length" }), {
          status: 422,
          headers: { "content-type": "application/problem+json" },
        });
      }
      return new Response(JSON.stringify({ id: "m3", name: "Waves", durationMs: 30_000 }), { status: 201, headers: { "content-type": "application/json" } });
    });
    const onChanged = renderTab();
    expect(screen.getByText(/WAV file: 16-bit PCM or G\.711/)).toBeTruthy();
    // The upload replaces its file input after each file: look it up each time.
    const input = () => screen.getByTestId("telephony-music-upload").closest(".ant-upload")!.querySelector<HTMLInputElement>("input[type=file]")!;
    expect(input().getAttribute("accept")).toContain(".wav");
    const wave = new File(["RIFF....WAVE"], "Waves.wav", { type: "audio/wav" });
    await act(async () => {
      fireEvent.change(input(), { target: { files: [wave] } });
    });
    expect(await screen.findByText("Waves uploaded")).toBeTruthy();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.init.method).toBe("POST");
    expect(uploads[0]!.init.body).toBe(wave);
    const headers = uploads[0]!.init.headers as Record<string, string>;
    expect(headers["content-type"]).toBe("audio/wav");
    expect(headers["x-file-name"]).toBe("Waves.wav");
    expect(headers.authorization).toBe("Bearer t");
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));

    await act(async () => {
      fireEvent.change(input(), { target: { files: [new File(["RIFF"], "beep.wav", { type: "audio/wav" })] } });
    });
    await waitFor(() => expect(uploads).toHaveLength(2));
    expect(await screen.findByText(`beep.wav was not uploaded: ${translate("en", "error.telephony.invalid_music_length")}`)).toBeTruthy();
  });

  it("shows the files and each queue's music but nothing that changes them without telephony.admin", async () => {
    fakeGraphqlServer({});
    renderTab({ canAdmin: false });
    expect(within(await musicRow("m1")).getByTestId("telephony-music-play")).toBeTruthy();
    expect(screen.queryByTestId("telephony-music-upload")).toBeNull();
    expect(screen.queryByTestId("telephony-music-remove")).toBeNull();
    const select = within(await queueRow("q1")).getByTestId("telephony-queue-music-select");
    expect(select.className).toContain("ant-select-disabled");
  });

  it("says when a file cannot be played", async () => {
    const graphql = fakeGraphqlServer({});
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      if (!url.startsWith(`${MUSIC_UPLOAD_PATH}/`)) return graphql.fetchMock(url, init);
      return new Response(JSON.stringify({ code: "telephony.music_not_found", detail: "no music file m2" }), {
        status: 404,
        headers: { "content-type": "application/problem+json" },
      });
    });
    renderTab();
    const rain = await musicRow("m2");
    fireEvent.click(within(rain).getByTestId("telephony-music-play"));
    expect((await within(rain).findByTestId("telephony-music-play-error")).textContent).toBe(translate("en", "error.telephony.music_not_found"));
    expect(within(rain).queryByTestId("telephony-music-audio")).toBeNull();
  });
});
