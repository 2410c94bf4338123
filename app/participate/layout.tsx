// A crowd participant's study pages: the participate area's messages for their client components.
import type { ReactNode } from "react";
import { AreaMessages } from "../_components/area-messages";

export default function ParticipateLayout({ children }: { children: ReactNode }) {
  return <AreaMessages areas={["participate"]}>{children}</AreaMessages>;
}
