/** The telephony forms' values and what they send; the server checks the details again
 * (and refuses with `telephony.*` codes). */
import type { AccessNumberInput, ExtensionChangeInput, ExtensionInput, Trunk, TrunkInput } from "./telephony.graphql";

/** The port phones and trunks send SIP to. */
export const SIP_PORT = 5060;

/** The server's limits (domain/src/telephony, `telephony.*` error codes). */
export const DISPLAY_NAME_MAX = 100;
export const TRUNK_NAME_MAX = 100;
export const PEERS_MAX = 20;
export const ADDRESS_MAX = 255;
export const REGISTRATION_USERNAME_MAX = 100;
export const DESCRIPTION_MAX = 200;

/** 2 to 8 digits. */
export const isExtensionNumber = (text: string): boolean => /^\d{2,8}$/.test(text);

/** 1 to 32 digits with an optional leading `+`. */
export const isAccessNumber = (text: string): boolean => /^\+?\d{1,32}$/.test(text);

/** `host` or `host:port` (a bracketed IPv6 address for a host with a port), at most 255
 * characters, without spaces. */
export function isHostAddress(text: string): boolean {
  if (text.length === 0 || text.length > ADDRESS_MAX || /[\s/@]/.test(text)) return false;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return isIpv6(bracketed[1]!) && (bracketed[2] === undefined || Number(bracketed[2]) <= 65535);
  if (isIpv6(text)) return true;
  const [host, port, ...rest] = text.split(":");
  if (rest.length > 0 || !host || !/^[A-Za-z0-9.-]+$/.test(host)) return false;
  return port === undefined || (/^\d{1,5}$/.test(port) && Number(port) <= 65535);
}

/** A registration's user name: 1 to 100 characters without spaces. */
export const isRegistrationUsername = (text: string): boolean => text.length > 0 && [...text].length <= REGISTRATION_USERNAME_MAX && !/\s/.test(text);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const last = groups.at(-1) ?? "";
  const embedsIpv4 = IPV4.test(last);
  const hexGroups = embedsIpv4 ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return false;
  const width = hexGroups.length + (embedsIpv4 ? 2 : 0);
  return halves.length === 2 ? width < 8 : width === 8;
}

/** An IPv4 or IPv6 address, or a CIDR block of either (`192.0.2.10`, `198.51.100.0/24`). */
export function isPeer(text: string): boolean {
  const [address, prefix, ...rest] = text.split("/");
  if (rest.length > 0 || address === undefined) return false;
  const v4 = IPV4.test(address);
  if (!v4 && !isIpv6(address)) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (v4 ? 32 : 128);
}

/** The lines of the peers box, trimmed, without empty ones. */
export function peerLines(text: string | undefined): string[] {
  return (text ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** What is wrong with the peers box, as an i18n key and the line at fault, or null. */
export function peersProblem(text: string | undefined): { key: string; peer?: string } | null {
  const lines = peerLines(text);
  if (lines.length === 0) return { key: "telephony.trunk.peersRequired" };
  if (lines.length > PEERS_MAX) return { key: "telephony.trunk.peersTooMany" };
  const seen = new Set<string>();
  for (const line of lines) {
    if (!isPeer(line)) return { key: "telephony.trunk.peerRule", peer: line };
    if (seen.has(line)) return { key: "telephony.trunk.peerTwice", peer: line };
    seen.add(line);
  }
  return null;
}

/** `blank → null`, else trimmed. */
const optional = (text: string | null | undefined): string | null => {
  const trimmed = (text ?? "").trim();
  return trimmed === "" ? null : trimmed;
};

export interface ExtensionValues {
  number: string;
  displayName: string;
  userId: string | null;
  enabled: boolean;
}

export function extensionInput(values: ExtensionValues): ExtensionInput {
  return { number: values.number.trim(), displayName: values.displayName.trim(), userId: values.userId ?? null };
}

export function extensionChangeInput(values: ExtensionValues): ExtensionChangeInput {
  return { displayName: values.displayName.trim(), userId: values.userId ?? null, enabled: values.enabled };
}

export interface TrunkValues {
  name: string;
  /** One address or CIDR block a line. */
  peers: string;
  outboundAddress: string;
  registers: boolean;
  registrar: string;
  username: string;
  /** Empty on a change: keep the current password. */
  password: string;
}

export const EMPTY_TRUNK: TrunkValues = { name: "", peers: "", outboundAddress: "", registers: false, registrar: "", username: "", password: "" };

export function trunkValues(trunk: Trunk | null): TrunkValues {
  if (!trunk) return EMPTY_TRUNK;
  return {
    name: trunk.name,
    peers: trunk.peers.join("\n"),
    outboundAddress: trunk.outboundAddress ?? "",
    registers: trunk.registration !== null,
    registrar: trunk.registration?.registrar ?? "",
    username: trunk.registration?.username ?? "",
    password: "",
  };
}

export function trunkInput(values: TrunkValues): TrunkInput {
  return {
    name: values.name.trim(),
    peers: peerLines(values.peers),
    outboundAddress: optional(values.outboundAddress),
    registration: values.registers
      ? { registrar: values.registrar.trim(), username: values.username.trim(), password: values.password ? values.password : null }
      : null,
  };
}

export interface AccessNumberValues {
  number: string;
  queueId: string | undefined;
  trunkId: string | null;
  description: string;
}

export const EMPTY_ACCESS_NUMBER: AccessNumberValues = { number: "", queueId: undefined, trunkId: null, description: "" };

export function accessNumberInput(values: AccessNumberValues): AccessNumberInput {
  return {
    number: values.number.trim(),
    queueId: values.queueId ?? "",
    trunkId: values.trunkId ?? null,
    description: (values.description ?? "").trim(),
  };
}

/** The SIP server phones register with: this page's host, port 5060. */
export function sipServer(hostname: string): string {
  return `${hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname}:${SIP_PORT}`;
}

/** A music file's length as m:ss (to the nearest second). */
export function musicLength(durationMs: number): string {
  const seconds = Math.max(0, Math.round(durationMs / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
