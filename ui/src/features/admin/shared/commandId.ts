/** The command id of a form: the same for an unchanged retry (the server applies it once),
 * a new one as soon as a value changes or the form is closed. */
import { useCallback, useState } from "react";
import { newCommandId } from "../../../api/client";

export function useCommandId(): [string, () => void] {
  const [commandId, setCommandId] = useState(newCommandId);
  const renew = useCallback(() => setCommandId(newCommandId()), []);
  return [commandId, renew];
}
