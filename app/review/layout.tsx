// The review pages: the admin area's messages (reviewing is staff work) for their client components.
import type { ReactNode } from "react";
import { AreaMessages } from "../_components/area-messages";

export default function ReviewLayout({ children }: { children: ReactNode }) {
  return <AreaMessages areas={["admin"]}>{children}</AreaMessages>;
}
