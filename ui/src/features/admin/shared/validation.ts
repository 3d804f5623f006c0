/** The server's rules for identity fields (domain/src/identity), checked on the client first. */

/** 3 to 64 ASCII letters, digits, '.', '_', '-' or '@'. */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{3,64}$/;

/** 2 to 40 lowercase letters, digits and inner hyphens. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])$/;

/** 1 to `max` characters with no leading or trailing spaces. */
export function isCleanText(value: string, max: number): boolean {
  return value.trim().length > 0 && value.trim() === value && [...value].length <= max;
}

export const DISPLAY_NAME_MAX = 120;
export const TENANT_NAME_MAX = 120;
