import { createContext, type ReactNode, useContext, useMemo } from "react";
import { usePreference } from "../preferences/storage";
import { type Skin, type SkinId, SKINS, skinPreference } from "./skins";

interface SkinContextValue {
  skin: Skin;
  setSkin: (id: SkinId) => void;
}

const SkinContext = createContext<SkinContextValue | null>(null);

export function SkinProvider({ children }: { children: ReactNode }) {
  const [skinId, setSkin] = usePreference(skinPreference);
  const value = useMemo(() => ({ skin: SKINS[skinId], setSkin }), [skinId, setSkin]);
  return <SkinContext.Provider value={value}>{children}</SkinContext.Provider>;
}

export function useSkin(): SkinContextValue {
  const value = useContext(SkinContext);
  if (!value) throw new Error("useSkin outside SkinProvider");
  return value;
}
