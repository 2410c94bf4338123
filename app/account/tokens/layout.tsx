// The API tokens page: its text is in the admin area's messages.
import type { ReactNode } from "react";
import { AreaMessages } from "../../_components/area-messages";

export default function TokensLayout({ children }: { children: ReactNode }) {
  return <AreaMessages areas={["admin"]}>{children}</AreaMessages>;
}
