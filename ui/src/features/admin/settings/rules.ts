/** The server's rules for tenant settings (domain/src/identity/tenant.rs), checked here first. */

export const ORGANISATION_NAME_MAX = 120;
export const URL_MAX = 2000;
export const COPYRIGHT_MAX = 200;
export const HOTLINE_NUMBER_MAX = 32;

// Control characters, as Rust's `char::is_control` sees them (Unicode category Cc).
const CONTROL = /\p{Cc}/u;

/** Empty, or an http(s):// address with a host, no spaces, at most 2000 characters. */
export function isSettingsUrl(url: string): boolean {
  if (url === "") return true;
  const address = url.startsWith("https://") ? url.slice(8) : url.startsWith("http://") ? url.slice(7) : null;
  return (
    address !== null &&
    address !== "" &&
    !address.startsWith("/") &&
    [...url].length <= URL_MAX &&
    !/\s/u.test(url) &&
    !CONTROL.test(url)
  );
}

/** At most 200 characters on one line, no spaces at either end; empty clears it. */
export function isCopyright(text: string): boolean {
  return [...text].length <= COPYRIGHT_MAX && text.trim() === text && !CONTROL.test(text);
}

/** Empty, or at most 32 digits, `+`, `-` and spaces, with a digit and no outer spaces. */
export function isHotlineNumber(number: string): boolean {
  if (number === "") return true;
  return number.length <= HOTLINE_NUMBER_MAX && number.trim() === number && /[0-9]/.test(number) && /^[0-9+\- ]+$/.test(number);
}
