import { afterEach, describe, expect, it, vi } from "vitest";
import { evaluateRules } from "./rulesCore";
import { RULES_TIME_LIMIT_MS, runRules } from "./rules";
import type { RulesRequest } from "./rulesWorker";

/** A stand-in for the worker (jsdom has none) that speaks its protocol; "hang" never answers. */
class FakeWorker {
  static made: FakeWorker[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  terminated = false;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(request: RulesRequest) {
    setTimeout(() => {
      this.onmessage?.({ data: { started: true } });
      if (request.script !== "hang") this.onmessage?.({ data: { result: evaluateRules(request.script, request.values, request.step) } });
    });
  }
  terminate() {
    this.terminated = true;
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  FakeWorker.made.length = 0;
});

describe("running the rules in a worker", () => {
  it("hands back the worker's result and ends the worker", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    expect(await runRules("values.b = values.a * 2", { a: 2 }, "start")).toEqual({ ok: true, computed: { b: 4 }, calculated: ["b"], errors: [] });
    expect(FakeWorker.made[0]!.terminated).toBe(true);
  });

  it("stops a script that does not finish in time", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("Worker", FakeWorker);
    const result = runRules("hang", {}, "start");
    await vi.advanceTimersByTimeAsync(RULES_TIME_LIMIT_MS + 1);
    expect(await result).toEqual({ ok: false, kind: "timeout", message: "" });
    expect(FakeWorker.made[0]!.terminated).toBe(true);
  });

  it("ends the worker when the caller no longer waits", async () => {
    vi.stubGlobal("Worker", FakeWorker);
    const controller = new AbortController();
    const result = runRules("hang", {}, "start", controller.signal);
    controller.abort();
    await expect(result).rejects.toBeDefined();
    expect(FakeWorker.made[0]!.terminated).toBe(true);
  });

  it("says so when the browser has no workers", async () => {
    vi.stubGlobal("Worker", undefined);
    expect(await runRules("", {}, "start")).toMatchObject({ ok: false, kind: "unavailable" });
  });
});
