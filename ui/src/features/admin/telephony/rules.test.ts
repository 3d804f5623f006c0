import { describe, expect, it } from "vitest";
import { accessNumberInput, isAccessNumber, isExtensionNumber, isHostAddress, isPeer, musicLength, peersProblem, sipServer, trunkInput, trunkValues } from "./rules";

describe("telephony rules", () => {
  it.each(["192.0.2.10", "198.51.100.0/24", "0.0.0.0/0", "2001:db8::1", "2001:db8::/32", "::1", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8"])(
    "takes %s as a peer",
    (peer) => expect(isPeer(peer)).toBe(true),
  );

  it.each(["", "sip.example.com", "256.1.1.1", "192.0.2.0/33", "192.0.2", "2001:db8::1::2", "2001:db8::/129", "1.2.3.4/", "1.2.3.4/8/8", "1:2:3:4:5:6:7:8:9"])(
    "refuses %s as a peer",
    (peer) => expect(isPeer(peer)).toBe(false),
  );

  it("reads the peers box line by line: 1 to 20 peers, none twice", () => {
    expect(peersProblem(" 192.0.2.10 \n\n198.51.100.0/24\n")).toBeNull();
    expect(peersProblem("192.0.2.10\ngateway.example.com")).toEqual({ key: "telephony.trunk.peerRule", peer: "gateway.example.com" });
    expect(peersProblem("192.0.2.10\n192.0.2.10")).toEqual({ key: "telephony.trunk.peerTwice", peer: "192.0.2.10" });
    expect(peersProblem(" \n")).toEqual({ key: "telephony.trunk.peersRequired" });
    expect(peersProblem(Array.from({ length: 21 }, (_, i) => `192.0.2.${i}`).join("\n"))).toEqual({ key: "telephony.trunk.peersTooMany" });
  });

  it("checks numbers and addresses as the server does", () => {
    expect(["10", "1001", "12345678"].every(isExtensionNumber)).toBe(true);
    expect(["1", "123456789", "10a", "+100"].some(isExtensionNumber)).toBe(false);
    expect(["+8640080012", "1", "4008001234"].every(isAccessNumber)).toBe(true);
    expect(["", "+", "400-800", "1".repeat(33)].some(isAccessNumber)).toBe(false);
    expect(["sip.carrier.example", "sip.carrier.example:5060", "192.0.2.1:5080", "2001:db8::1", "[2001:db8::1]:5060"].every(isHostAddress)).toBe(true);
    expect(["", "sip carrier", "sip.example:99999", "user@sip.example", "sip.example:50:60", "x".repeat(256)].some(isHostAddress)).toBe(false);
  });

  it("sends a trunk's registration only when it registers, an empty password as null (keep it)", () => {
    const trunk = { id: "t1", name: "Carrier", peers: ["192.0.2.10"], outboundAddress: "sip.carrier.example:5060", registration: { registrar: "sip.carrier.example", username: "acme" } };
    const values = trunkValues(trunk);
    expect(values).toMatchObject({ peers: "192.0.2.10", registers: true, registrar: "sip.carrier.example", password: "" });
    expect(trunkInput({ ...values, name: " Carrier 2 ", peers: "192.0.2.10\n 192.0.2.11 " })).toEqual({
      name: "Carrier 2",
      peers: ["192.0.2.10", "192.0.2.11"],
      outboundAddress: "sip.carrier.example:5060",
      registration: { registrar: "sip.carrier.example", username: "acme", password: null },
    });
    expect(trunkInput({ ...values, outboundAddress: " ", registers: false })).toMatchObject({ outboundAddress: null, registration: null });
    expect(trunkInput({ ...values, password: "s3cret" }).registration?.password).toBe("s3cret");
  });

  it("sends an access number trimmed, without a trunk when none is chosen", () => {
    expect(accessNumberInput({ number: " 4001 ", queueId: "q1", trunkId: null, description: " Sales line " })).toEqual({
      number: "4001",
      queueId: "q1",
      trunkId: null,
      description: "Sales line",
    });
  });

  it("names the SIP server by this page's host", () => {
    expect(sipServer("hotline.example.com")).toBe("hotline.example.com:5060");
    expect(sipServer("::1")).toBe("[::1]:5060");
    expect(sipServer("[::1]")).toBe("[::1]:5060");
  });

  it("shows a music file's length as m:ss", () => {
    expect(musicLength(1_000)).toBe("0:01");
    expect(musicLength(59_499)).toBe("0:59");
    expect(musicLength(59_500)).toBe("1:00");
    expect(musicLength(125_250)).toBe("2:05");
    expect(musicLength(600_000)).toBe("10:00");
  });
});
