import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../../app/App";
import "../../../features";
import { fakeGraphqlServer, graphqlError } from "../../../test/fakeServer";
import { type Answers, type MenuEntry, menuFor, shellAnswers, signedInAt } from "../../../test/shell";
import type { ProjectionFork } from "./forks.graphql";
import { forkVariables, isForkName } from "./rules";
import dayjs from "dayjs";

const AUDIT_MENU: MenuEntry = {
  key: "menu.audit",
  titleKey: "menu.audit",
  path: "/audit",
  icon: "audit",
  children: [
    { key: "menu.audit.events", titleKey: "menu.audit.events", path: "/audit/events", icon: "history", children: [] },
    { key: "menu.audit.forks", titleKey: "menu.audit.forks", path: "/audit/forks", icon: "fork", children: [] },
  ],
};


const FORKS: ProjectionFork[] = [
  {
    projection: "users",
    name: "before_migration",
    tables: ["users__fork_before_migration"],
    toPosition: 5000,
    toTime: null,
    position: 4998,
    events: 4998,
    createdAt: "2026-11-20T08:00:00Z",
  },
  { projection: "roles", name: "november", tables: ["roles__fork_november"], toPosition: null, toTime: null, position: null, events: null, createdAt: null },
];

function answers(permissions: string[], extra: Answers = {}): Answers {
  return {
    ...shellAnswers(permissions, [menuFor(AUDIT_MENU, permissions)]),
    ProjectionForks: {
      data: {
        projectionForks: FORKS,
        projections: [
          { name: "users", position: 6000, head: 6000, lag: 0 },
          { name: "roles", position: 6000, head: 6000, lag: 0 },
        ],
      },
    },
    ...extra,
  };
}

const PERMISSIONS = ["menu.admin", "menu.audit", "menu.audit.events", "audit.read", "menu.audit.forks", "platform.forks"];

const row = async (key: string) =>
  // The first render loads the page's chunk and antd's table: slow on a busy machine.
  (await screen.findAllByTestId("fork-row", {}, { timeout: 15_000 })).find((candidate) => candidate.getAttribute("data-fork") === key)!;

/** Picks an option of an antd Select by its text. */
async function choose(label: string, option: string) {
  fireEvent.mouseDown(screen.getByLabelText(label));
  const options = await screen.findAllByText(option, { selector: ".ant-select-item-option-content" });
  fireEvent.click(options[options.length - 1]!);
}

signedInAt("/audit/forks");


describe("the projection forks page", () => {
  it("lists the forks with their bound, and says when a fork has no record (made before forks were recorded)", async () => {
    fakeGraphqlServer(answers(PERMISSIONS));
    render(<App />);
    const users = await row("users/before_migration");
    expect(within(users).getByText("users__fork_before_migration")).toBeTruthy();
    expect(within(users).getByText("Position 5000")).toBeTruthy();
    expect(within(users).getByText("To position 4998 (4998 events)")).toBeTruthy();
    const roles = await row("roles/november");
    expect(within(roles).getByText("Not recorded")).toBeTruthy();
    expect(screen.getAllByText("Projection forks").length).toBeGreaterThan(0);
  });

  it("has no menu entry for a tenant's auditor (forks are the platform's)", async () => {
    window.history.replaceState(null, "", "/workbench");
    const { requests } = fakeGraphqlServer(answers(["menu.audit", "menu.audit.events", "audit.read"]));
    render(<App />);
    fireEvent.click(await screen.findByText("Audit"));
    expect(await screen.findByText("Event log")).toBeTruthy();
    expect(screen.queryByText("Projection forks")).toBeNull();
    expect(requests.some((request) => request.operation === "ProjectionForks")).toBe(false);
  });

  it("forks a projection up to a position after checking the name, and shows the server's refusal", async () => {
    const forked: unknown[] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        ForkProjection: (variables) => {
          forked.push(variables);
          return forked.length === 1
            ? { data: { forkProjection: { projection: "users", name: "at_ann", tables: ["users__fork_at_ann"], events: 42, position: 42 } } }
            : graphqlError("audit.invalid_fork", "no projection");
        },
      }),
    );
    render(<App />);
    await row("users/before_migration");
    fireEvent.click(screen.getByTestId("fork-new"));
    await choose("Projection", "users");
    fireEvent.change(screen.getByTestId("fork-name"), { target: { value: "Bad-Name" } });
    fireEvent.change(screen.getByTestId("fork-position"), { target: { value: "42" } });
    fireEvent.click(screen.getByTestId("fork-save"));
    expect(await screen.findByText("1 to 32 lowercase letters, digits and underscores")).toBeTruthy();
    expect(forked).toEqual([]);

    // The same name as an existing fork of the projection: a warning that it is replaced.
    fireEvent.change(screen.getByTestId("fork-name"), { target: { value: "before_migration" } });
    expect(await screen.findByText("A fork of this projection with this name exists: it will be replaced.")).toBeTruthy();
    fireEvent.change(screen.getByTestId("fork-name"), { target: { value: "at_ann" } });
    expect(screen.getByText("Inclusive; the log is at position 6000 now.")).toBeTruthy();
    fireEvent.click(screen.getByTestId("fork-save"));
    await waitFor(() => expect(forked).toEqual([{ projection: "users", name: "at_ann", toPosition: 42 }]));

    fireEvent.click(screen.getByTestId("fork-new"));
    await choose("Projection", "roles");
    fireEvent.change(screen.getByTestId("fork-name"), { target: { value: "again" } });
    fireEvent.change(screen.getByTestId("fork-position"), { target: { value: "1" } });
    fireEvent.click(screen.getByTestId("fork-save"));
    expect(
      await screen.findByText("The fork cannot be made: choose a projection, one bound, and a name of lowercase letters, digits and underscores."),
    ).toBeTruthy();
  });

  it("drops a fork only after a confirmation, and shows an unknown fork's error", async () => {
    const dropped: unknown[] = [];
    fakeGraphqlServer(
      answers(PERMISSIONS, {
        DropProjectionFork: (variables) => {
          dropped.push(variables);
          return dropped.length === 1
            ? { data: { dropProjectionFork: { projection: "users", name: "before_migration", tables: ["users__fork_before_migration"] } } }
            : graphqlError("audit.invalid_fork", "no fork");
        },
      }),
    );
    render(<App />);
    fireEvent.click(within(await row("users/before_migration")).getByTestId("fork-drop"));
    expect(await screen.findByText(/users__fork_before_migration will be deleted/)).toBeTruthy();
    expect(dropped).toEqual([]);
    fireEvent.click(screen.getByTestId("fork-drop-confirm"));
    await waitFor(() => expect(dropped).toEqual([{ projection: "users", name: "before_migration" }]));
    expect(await screen.findByText("Fork before_migration dropped")).toBeTruthy();

    fireEvent.click(within(await row("roles/november")).getByTestId("fork-drop"));
    await waitFor(() => expect(screen.getAllByTestId("fork-drop-confirm").length).toBeGreaterThan(0));
    const confirms = screen.getAllByTestId("fork-drop-confirm");
    fireEvent.click(confirms[confirms.length - 1]!);
    await waitFor(() => expect(dropped).toHaveLength(2));
    expect(await screen.findByText("This fork no longer exists.")).toBeTruthy();
  });

  it("sends exactly one bound", () => {
    expect(isForkName("november_2026")).toBe(true);
    expect(isForkName("a".repeat(33))).toBe(false);
    const time = dayjs("2026-11-01T00:00:00Z");
    expect(forkVariables({ projection: "users", name: " nov ", bound: "time", toTime: time, toPosition: 5 })).toEqual({
      projection: "users",
      name: "nov",
      toTime: "2026-11-01T00:00:00.000Z",
    });
    expect(forkVariables({ projection: "users", name: "p", bound: "position", toPosition: 7, toTime: time })).toEqual({
      projection: "users",
      name: "p",
      toPosition: 7,
    });
  });
});
