/** The server's password policy (command-api/src/auth.rs), checked here first. */
export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 128;

/** Length in characters (code points), as the server counts them. */
export function passwordLength(password: string): number {
  return [...password].length;
}

export function meetsPasswordPolicy(password: string): boolean {
  const length = passwordLength(password);
  return length >= MIN_PASSWORD_CHARS && length <= MAX_PASSWORD_CHARS;
}
